// Page geometry and the flowing layout of the claim document: text blocks coming from templates
// (headings, label/value pairs, paragraphs) placed top to bottom, breaking pages as needed.
import { PageCanvas, cleanText, wrapText } from './pdf-canvas.ts'
import type { Faces, FontFace } from './pdf-canvas.ts'
import type { TextLine } from './claim-markup.ts'

/** A4 in points. */
export const PAGE_SIZE: [number, number] = [595.28, 841.89]
export const MARGIN_X = 48
export const CONTENT_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X
export const TOP_Y = PAGE_SIZE[1] - 52
/** Nothing of the flow goes below this line: the footer lives under it. */
export const BOTTOM_Y = 58

const BODY = { size: 9.5, leading: 13 }
const LABEL_WIDTH = 170
const AMOUNT_WIDTH = 130

export type PairStyle = 'plain' | 'amounts'

export class DocumentFlow {
  readonly faces: Faces
  readonly pages: PageCanvas[] = []
  page: PageCanvas = new PageCanvas()
  y = TOP_Y
  private readonly runningHeader: (page: PageCanvas, index: number) => void

  constructor(faces: Faces, runningHeader: (page: PageCanvas, index: number) => void) {
    this.faces = faces
    this.runningHeader = runningHeader
  }

  newPage(): void {
    this.page = new PageCanvas()
    this.pages.push(this.page)
    this.y = TOP_Y
    this.runningHeader(this.page, this.pages.length - 1)
  }

  /** Starts a new page unless `height` still fits on this one; true when a page was started. */
  ensure(height: number): boolean {
    if (this.pages.length > 0 && this.y - height >= BOTTOM_Y) return false
    this.newPage()
    return true
  }

  space(height: number): void {
    this.y -= height
  }

  /** Wrapped text at (x, width); each line checks for room, so long texts flow onto the next page. */
  paragraph(text: string, options: { face?: FontFace; size?: number; leading?: number; x?: number; width?: number; gray?: number } = {}): void {
    const face = options.face ?? this.faces.regular
    const size = options.size ?? BODY.size
    const leading = options.leading ?? BODY.leading
    const x = options.x ?? MARGIN_X
    const width = options.width ?? CONTENT_WIDTH
    for (const line of wrapText(face, size, cleanText(text), width)) {
      this.ensure(leading)
      this.y -= leading
      this.page.text(face, size, x, this.y + (leading - size) / 2 + 1, line, options.gray ?? 0)
    }
  }

  heading(text: string, size = 11.5): void {
    // Keep a heading with at least two lines of what follows.
    this.ensure(size + 10 + 2 * BODY.leading)
    if (this.y < TOP_Y) this.y -= 8
    this.y -= size + 2
    this.page.text(this.faces.bold, size, MARGIN_X, this.y, cleanText(text))
    this.y -= 5
    this.page.line(MARGIN_X, this.y, MARGIN_X + CONTENT_WIDTH, this.y, 0.6, 0.55)
    this.y -= 4
  }

  /** Lines from a template; pairs in the 'amounts' style form a ruled table with amounts on the right. */
  write(lines: readonly TextLine[], pairStyle: PairStyle = 'plain'): void {
    let previous: TextLine['kind'] | null = null
    for (const line of lines) {
      if (pairStyle === 'amounts' && previous === 'pair' && line.kind !== 'pair') this.space(4)
      switch (line.kind) {
        case 'heading':
          this.heading(line.text)
          break
        case 'subheading':
          this.ensure(BODY.leading * 3)
          this.space(3)
          this.paragraph(line.text, { face: this.faces.bold, size: 10 })
          break
        case 'gap':
          this.space(5)
          break
        case 'bullet':
          this.ensure(BODY.leading)
          this.page.text(this.faces.regular, BODY.size, MARGIN_X + 3, this.y - BODY.leading + (BODY.leading - BODY.size) / 2 + 1, '•')
          this.paragraph(line.text, { face: line.bold ? this.faces.bold : this.faces.regular, x: MARGIN_X + 14, width: CONTENT_WIDTH - 14 })
          break
        case 'paragraph':
          this.paragraph(line.text, { face: line.bold ? this.faces.bold : this.faces.regular })
          break
        case 'pair':
          if (pairStyle === 'amounts') this.amountRow(line.label, line.value, line.bold, previous !== 'pair')
          else this.pair(line.label, line.value, line.bold)
          break
      }
      previous = line.kind
    }
  }

  private pair(label: string, value: string, bold: boolean): void {
    const labelFace = bold ? this.faces.bold : this.faces.regular
    const valueFace = bold ? this.faces.bold : this.faces.regular
    const labelLines = wrapText(labelFace, BODY.size, cleanText(label), LABEL_WIDTH - 10)
    const valueLines = wrapText(valueFace, BODY.size, cleanText(value), CONTENT_WIDTH - LABEL_WIDTH)
    const count = Math.max(labelLines.length, valueLines.length)
    for (let i = 0; i < count; i++) {
      this.ensure(BODY.leading)
      this.y -= BODY.leading
      const baseline = this.y + (BODY.leading - BODY.size) / 2 + 1
      const labelLine = labelLines[i]
      const valueLine = valueLines[i]
      if (labelLine !== undefined) this.page.text(labelFace, BODY.size, MARGIN_X, baseline, labelLine, bold ? 0 : 0.35)
      if (valueLine !== undefined) this.page.text(valueFace, BODY.size, MARGIN_X + LABEL_WIDTH, baseline, valueLine)
    }
  }

  private amountRow(label: string, value: string, bold: boolean, first: boolean): void {
    const face = bold ? this.faces.bold : this.faces.regular
    const labelLines = wrapText(face, BODY.size, cleanText(label), CONTENT_WIDTH - AMOUNT_WIDTH - 12)
    const valueLines = wrapText(face, BODY.size, cleanText(value), AMOUNT_WIDTH - 6)
    const count = Math.max(labelLines.length, valueLines.length)
    const height = count * BODY.leading + 6
    this.ensure(height)
    const left = MARGIN_X
    const right = MARGIN_X + CONTENT_WIDTH
    if (first) this.page.line(left, this.y, right, this.y, 0.8, 0.3)
    if (bold) this.page.fillRect(left, this.y - height, CONTENT_WIDTH, height, 0.93)
    for (let i = 0; i < count; i++) {
      const baseline = this.y - 3 - (i + 1) * BODY.leading + (BODY.leading - BODY.size) / 2 + 1
      const labelLine = labelLines[i]
      const valueLine = valueLines[i]
      if (labelLine !== undefined) this.page.text(face, BODY.size, left + 6, baseline, labelLine)
      if (valueLine !== undefined) this.page.text(face, BODY.size, right - 6 - face.width(valueLine, BODY.size), baseline, valueLine)
    }
    this.y -= height
    this.page.line(left, this.y, right, this.y, bold ? 0.8 : 0.4, bold ? 0.3 : 0.6)
  }
}
