// Footers "left :: page n / N" under a thin rule, then the pages added to the document: shared by
// the documents laid out with DocumentFlow other than the claim itself (letters, court files).
import type { PDFDocument } from 'pdf-lib'
import { CONTENT_WIDTH, MARGIN_X, PAGE_SIZE, type DocumentFlow } from './claim-layout.ts'
import type { TextLine } from './claim-markup.ts'
import { PageCanvas, addPage, cleanText, type Faces } from './pdf-canvas.ts'

export function addPagesWithFooters(doc: PDFDocument, flow: DocumentFlow, faces: Faces, footer: (page: number, pages: number) => TextLine | undefined): void {
  flow.pages.forEach((page, i) => {
    const canvas = new PageCanvas()
    const line = footer(i + 1, flow.pages.length)
    canvas.line(MARGIN_X, 46, MARGIN_X + CONTENT_WIDTH, 46, 0.4, 0.6)
    if (line?.kind === 'pair') {
      canvas.text(faces.regular, 7.5, MARGIN_X, 34, cleanText(line.label), 0.3)
      const right = cleanText(line.value)
      canvas.text(faces.regular, 7.5, MARGIN_X + CONTENT_WIDTH - faces.regular.width(right, 7.5), 34, right, 0.3)
    }
    addPage(doc, PAGE_SIZE, faces, page.finish(canvas), {})
  })
}
