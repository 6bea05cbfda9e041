// The few conventions that turn a template's plain-text output into document lines, so that the
// words stay in claims-templates/ and the layout stays in code (see claims-templates/claim/README.md):
//   # Titre            a section heading
//   ## Sous-titre      a smaller heading
//   Libellé :: valeur  a label and its value, on two columns
//   - élément          a bulleted item
//   **…**              around a whole line: bold
//   (empty line)       a little vertical space; any other line is a paragraph, wrapped to the width.
import type { TemplateEngine } from '../../templates/render.ts'

export type TextLine =
  | { readonly kind: 'heading'; readonly text: string }
  | { readonly kind: 'subheading'; readonly text: string }
  | { readonly kind: 'pair'; readonly label: string; readonly value: string; readonly bold: boolean }
  | { readonly kind: 'bullet'; readonly text: string; readonly bold: boolean }
  | { readonly kind: 'paragraph'; readonly text: string; readonly bold: boolean }
  | { readonly kind: 'gap' }

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#x27;': "'", '&#x60;': '`', '&#x3D;': '=',
}

/**
 * Handlebars escapes {{value}} for HTML; a PDF shows text as is. Undoing exactly Handlebars's own
 * escapes, in one pass, lets template authors write {{…}} or {{{…}}} alike.
 */
export function unescapeHandlebars(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#x27|#x60|#x3D);/gu, (entity) => ENTITIES[entity] ?? entity)
}

export function parseMarkup(text: string): TextLine[] {
  const lines: TextLine[] = []
  for (const raw of text.replace(/\r\n?/gu, '\n').split('\n')) {
    const line = raw.trim()
    if (line === '') {
      if (lines.length > 0 && lines.at(-1)?.kind !== 'gap') lines.push({ kind: 'gap' })
      continue
    }
    if (line.startsWith('## ')) {
      lines.push({ kind: 'subheading', text: line.slice(3).trim() })
      continue
    }
    if (line.startsWith('# ')) {
      lines.push({ kind: 'heading', text: line.slice(2).trim() })
      continue
    }
    const boldMatch = /^\*\*(.+)\*\*$/u.exec(line)
    const bold = boldMatch !== null
    const body = boldMatch?.[1]?.trim() ?? line
    const separator = body.indexOf(' :: ')
    if (separator > 0) {
      lines.push({ kind: 'pair', label: body.slice(0, separator).trim(), value: body.slice(separator + 4).trim(), bold })
    } else if (body.startsWith('- ')) {
      lines.push({ kind: 'bullet', text: body.slice(2).trim(), bold })
    } else {
      lines.push({ kind: 'paragraph', text: body, bold })
    }
  }
  while (lines.at(-1)?.kind === 'gap') lines.pop()
  return lines
}

/** Renders a document's templates (claims-templates/<folder>/*.hbs, the claim's by default) as plain text or lines. */
export class ClaimWords {
  private readonly engine: TemplateEngine
  private readonly folder: string

  constructor(engine: TemplateEngine, folder = 'claim') {
    this.engine = engine
    this.folder = folder
  }

  text(name: string, data: object): string {
    return unescapeHandlebars(this.engine.render(`${this.folder}/${name}.hbs`, data)).trim()
  }

  /** A one-line text (metadata, labels): lines joined by spaces. */
  line(name: string, data: object): string {
    return this.text(name, data).split(/\s*\n\s*/u).filter((part) => part !== '').join(' ')
  }

  lines(name: string, data: object): TextLine[] {
    return parseMarkup(this.text(name, data))
  }

  /** One entry per non-empty output line (column headers). */
  list(name: string, data: object): string[] {
    return this.text(name, data).split('\n').map((part) => part.trim()).filter((part) => part !== '')
  }
}
