// Low-level PDF drawing for generated documents: embedded TrueType faces whose glyph codes and
// widths are measured once per character, and page content streams written as plain PDF operators.
// pdf-lib's drawText runs a full fontkit layout for every string (≈ 0.1 ms each): a 5 000-line
// annex would spend seconds there. Per-character encoding gives the same glyphs for NFC text in the
// fonts we ship (no ligatures, no kerning: pdf-lib ignores kerning offsets anyway).
import { deflateSync } from 'node:zlib'
import { PDFName } from 'pdf-lib'
import type { PDFDocument, PDFFont, PDFPage, PDFRef } from 'pdf-lib'

interface Glyph {
  readonly hex: string
  /** Advance width for a font size of 1. */
  readonly advance: number
}

/** Characters a one-line cell cannot show: controls become spaces. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/gu

export function cleanText(text: string): string {
  return text.normalize('NFC').replace(CONTROL, ' ')
}

export interface MeasuredText {
  readonly hex: string
  /** Width for a font size of 1. */
  readonly advance: number
}

/** An embedded font with its resource name and a per-character cache of glyph codes and widths. */
export class FontFace {
  readonly resource: string
  readonly font: PDFFont
  private readonly glyphs = new Map<string, Glyph>()

  constructor(resource: string, font: PDFFont) {
    this.resource = resource
    this.font = font
  }

  private glyph(char: string): Glyph {
    let glyph = this.glyphs.get(char)
    if (glyph === undefined) {
      // encodeText also adds the glyph to the subset and to the ToUnicode map (text stays extractable).
      glyph = { hex: this.font.encodeText(char).asString(), advance: this.font.widthOfTextAtSize(char, 1) }
      this.glyphs.set(char, glyph)
    }
    return glyph
  }

  /** Glyph codes and width of an already cleaned single-line text. */
  measure(text: string): MeasuredText {
    let hex = ''
    let advance = 0
    for (const char of text) {
      const glyph = this.glyph(char)
      hex += glyph.hex
      advance += glyph.advance
    }
    return { hex, advance }
  }

  width(text: string, size: number): number {
    let advance = 0
    for (const char of text) advance += this.glyph(char).advance
    return advance * size
  }
}

export interface Faces {
  readonly regular: FontFace
  readonly bold: FontFace
  readonly mono: FontFace
}

/** Coordinates with at most two decimals, never in exponent form, never "-0". */
export function num(value: number): string {
  const rounded = Math.round(value * 100) / 100
  return rounded === 0 ? '0' : String(rounded)
}

/**
 * One page's drawing operations, kept as PDF operator text. Text runs share one BT…ET block while
 * no graphics operation comes between them; font and colour are only restated when they change.
 */
export class PageCanvas {
  private readonly out: string[] = []
  private inText = false
  private face: FontFace | null = null
  private size = 0
  private textGray = 0

  private endText(): void {
    if (this.inText) {
      this.out.push('ET')
      this.inText = false
    }
  }

  /** Draws measured glyphs with their baseline starting at (x, y). */
  glyphs(face: FontFace, size: number, x: number, y: number, hex: string, gray = 0): void {
    if (hex === '') return
    if (!this.inText) {
      this.out.push('BT')
      this.inText = true
      this.face = null
    }
    if (this.face !== face || this.size !== size) {
      this.out.push(`/${face.resource} ${num(size)} Tf`)
      this.face = face
      this.size = size
    }
    if (this.textGray !== gray) {
      this.out.push(`${num(gray)} g`)
      this.textGray = gray
    }
    this.out.push(`1 0 0 1 ${num(x)} ${num(y)} Tm <${hex}> Tj`)
  }

  text(face: FontFace, size: number, x: number, y: number, text: string, gray = 0): void {
    this.glyphs(face, size, x, y, face.measure(text).hex, gray)
  }

  fillRect(x: number, y: number, width: number, height: number, gray: number): void {
    this.endText()
    this.out.push(`${num(gray)} g ${num(x)} ${num(y)} ${num(width)} ${num(height)} re f`)
    this.textGray = gray
  }

  line(x1: number, y1: number, x2: number, y2: number, width: number, gray: number): void {
    this.endText()
    this.out.push(`${num(gray)} G ${num(width)} w ${num(x1)} ${num(y1)} m ${num(x2)} ${num(y2)} l S`)
  }

  /** Text turned by `degrees` around (x, y), e.g. a watermark; `graphicsState` names an ExtGState (transparency). */
  rotatedText(face: FontFace, size: number, x: number, y: number, degrees: number, text: string, gray: number, graphicsState?: string): void {
    this.endText()
    const rad = (degrees * Math.PI) / 180
    const [c, s] = [Math.cos(rad), Math.sin(rad)]
    const { hex } = face.measure(text)
    const state = graphicsState === undefined ? '' : `/${graphicsState} gs `
    this.out.push(`q ${state}${num(gray)} g BT /${face.resource} ${num(size)} Tf ${num(c)} ${num(s)} ${num(-s)} ${num(c)} ${num(x)} ${num(y)} Tm <${hex}> Tj ET Q`)
  }

  /** The finished operator text, with other canvases drawn on top (footer, watermark). */
  finish(...overlays: readonly (PageCanvas | null)[]): string {
    this.endText()
    for (const overlay of overlays) overlay?.endText()
    // Each part runs in its own saved graphics state: colours and fonts set by one never leak into
    // the next, which assumes the defaults (black, no font).
    const parts = [this, ...overlays].filter((part) => part !== null).map((part) => `q\n${part.out.join('\n')}\nQ`)
    return parts.join('\n')
  }
}

/** Registers a transparency state (fill opacity) for pages to use under `name`. */
export function registerOpacity(doc: PDFDocument, fillOpacity: number): PDFRef {
  return doc.context.register(doc.context.obj({ Type: 'ExtGState', ca: fillOpacity }))
}

/** Adds a page whose content is the given operators, deflated with zlib (deterministic, native speed). */
export function addPage(
  doc: PDFDocument,
  size: [number, number],
  faces: Faces,
  operators: string,
  graphicsStates: Readonly<Record<string, PDFRef>> = {},
): PDFPage {
  const page = doc.addPage(size)
  for (const face of [faces.regular, faces.bold, faces.mono]) {
    page.node.setFontDictionary(PDFName.of(face.resource), face.font.ref)
  }
  for (const [name, ref] of Object.entries(graphicsStates)) page.node.setExtGState(PDFName.of(name), ref)
  const stream = doc.context.stream(deflateSync(Buffer.from(operators, 'latin1'), { level: 6 }), { Filter: 'FlateDecode' })
  page.node.addContentStream(doc.context.register(stream))
  return page
}

/** Breaks text into lines no wider than `maxWidth`, at spaces, or inside a word longer than a line. */
export function wrapText(face: FontFace, size: number, text: string, maxWidth: number): string[] {
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(' ')) {
      const candidate = line === '' ? word : `${line} ${word}`
      if (face.width(candidate, size) <= maxWidth) {
        line = candidate
        continue
      }
      if (line !== '') lines.push(line)
      line = ''
      // A word wider than the line (a long file name) is cut between characters.
      let piece = ''
      for (const char of word) {
        if (piece !== '' && face.width(piece + char, size) > maxWidth) {
          lines.push(piece)
          piece = ''
        }
        piece += char
      }
      line = piece
    }
    lines.push(line)
  }
  return lines
}
