// The itemised pass annex: one row per pass, a fixed number of rows per page, the column headers
// repeated on every page, then the page's subtotal and the running total. Built for thousands of
// rows: every word comes from templates rendered once per page (never per row), dates and amounts
// are formatted once per distinct value, and text is measured from cached glyph widths.
import { formatFrenchDate } from '../../lib/calendar.ts'
import { formatEuros } from '../../lib/money.ts'
import { BOTTOM_Y, CONTENT_WIDTH, MARGIN_X } from './claim-layout.ts'
import type { DocumentFlow } from './claim-layout.ts'
import type { ClaimWords, TextLine } from './claim-markup.ts'
import type { ClaimPassLine } from './claim-pdf.ts'
import { thousands } from './claim-view.ts'
import { cleanText, wrapText } from './pdf-canvas.ts'
import type { FontFace, PageCanvas } from './pdf-canvas.ts'

/** Rows of passes per annex page (the benchmark's baseline uses the same). */
export const PASS_ROWS_PER_PAGE = 50
export const PASS_ROW_HEIGHT = 12
const CELL_SIZE = 7.5
const MIN_CELL_SIZE = 5
const HEADER_SIZE = 7
const HEADER_HEIGHT = 22
const TOTAL_LEADING = 12.5
const PAD = 3

/** n°, identifiant, date d'utilisation, date de scan, commanditaire, valeur (sum = content width). */
export const PASS_COLUMN_WIDTHS = [36, 118, 64, 64, 147.28, 70] as const

type Align = 'left' | 'right'
const ALIGN: readonly Align[] = ['right', 'left', 'left', 'left', 'left', 'right']

interface Fitted { readonly hex: string; readonly size: number; readonly width: number }

/** The text at the cell size, or smaller down to MIN_CELL_SIZE, or cut with "…" when even that is too wide. */
function fit(face: FontFace, text: string, width: number): Fitted {
  const measured = face.measure(text)
  const natural = measured.advance * CELL_SIZE
  if (natural <= width) return { hex: measured.hex, size: CELL_SIZE, width: natural }
  const size = (CELL_SIZE * width) / natural
  if (size >= MIN_CELL_SIZE) return { hex: measured.hex, size, width }
  const chars = [...text]
  while (chars.length > 1 && face.width(`${chars.join('')}…`, MIN_CELL_SIZE) > width) chars.pop()
  const cut = face.measure(`${chars.join('')}…`)
  return { hex: cut.hex, size: MIN_CELL_SIZE, width: cut.advance * MIN_CELL_SIZE }
}

function memo<K, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new Map<K, V>()
  return (key) => {
    let value = cache.get(key)
    if (value === undefined) {
      value = compute(key)
      cache.set(key, value)
    }
    return value
  }
}

export interface PassAnnexOptions {
  /** Template of the annex: its first line is the heading, repeated with continued=true on later pages. */
  readonly template: string
  readonly view: object
  readonly lines: readonly ClaimPassLine[]
}

function drawHeaderRow(page: PageCanvas, faces: { bold: FontFace }, headers: readonly string[], top: number): void {
  page.fillRect(MARGIN_X, top - HEADER_HEIGHT, CONTENT_WIDTH, HEADER_HEIGHT, 0.88)
  let x = MARGIN_X
  PASS_COLUMN_WIDTHS.forEach((width, column) => {
    const lines = wrapText(faces.bold, HEADER_SIZE, cleanText(headers[column] ?? ''), width - 2 * PAD).slice(0, 2)
    lines.forEach((line, i) => {
      const baseline = top - 9 - i * 8.5 + (lines.length === 1 ? -4 : 0)
      const lineWidth = faces.bold.width(line, HEADER_SIZE)
      const left = ALIGN[column] === 'right' ? x + width - PAD - lineWidth : x + PAD
      page.text(faces.bold, HEADER_SIZE, left, baseline, line)
    })
    x += width
  })
}

function drawTotals(flow: DocumentFlow, lines: readonly TextLine[]): void {
  const valueLeft = MARGIN_X + CONTENT_WIDTH - (PASS_COLUMN_WIDTHS.at(-1) ?? 70)
  flow.page.line(MARGIN_X, flow.y, MARGIN_X + CONTENT_WIDTH, flow.y, 0.6, 0.3)
  for (const line of lines) {
    if (line.kind === 'gap' || line.kind === 'heading' || line.kind === 'subheading') continue
    const face = line.bold ? flow.faces.bold : flow.faces.regular
    flow.y -= TOTAL_LEADING
    const baseline = flow.y + 3.5
    if (line.kind === 'pair') {
      flow.page.text(face, CELL_SIZE, valueLeft - PAD - face.width(line.label, CELL_SIZE), baseline, cleanText(line.label))
      flow.page.text(face, CELL_SIZE, MARGIN_X + CONTENT_WIDTH - PAD - face.width(line.value, CELL_SIZE), baseline, cleanText(line.value))
    } else {
      flow.page.text(face, CELL_SIZE, MARGIN_X + PAD, baseline, cleanText(line.text))
    }
  }
}

/** Draws one pass annex, starting on a new page. Returns its total in cents. */
export function drawPassAnnex(flow: DocumentFlow, words: ClaimWords, options: PassAnnexOptions): number {
  const { faces } = flow
  const headers = words.list('pass-columns', options.view)
  const missing = words.line('missing-value', options.view)
  const continuedHeading = words.lines(options.template, { ...options.view, continued: true }).find((line) => line.kind === 'heading')
  const euros = memo((cents: number) => {
    const text = formatEuros(cents)
    return { hex: faces.regular.measure(text).hex, width: faces.regular.width(text, CELL_SIZE) }
  })
  const date = memo((iso: string | null) => fit(faces.regular, iso === null ? missing : formatFrenchDate(iso, 'short'), PASS_COLUMN_WIDTHS[2] - 2 * PAD))
  const funder = memo((name: string | null) => fit(faces.regular, name === null ? missing : cleanText(name), PASS_COLUMN_WIDTHS[4] - 2 * PAD))
  const xs: number[] = []
  PASS_COLUMN_WIDTHS.reduce((x, width) => (xs.push(x), x + width), MARGIN_X)
  const [x0 = 0, x1 = 0, x2 = 0, x3 = 0, x4 = 0] = xs
  const right0 = x0 + PASS_COLUMN_WIDTHS[0] - PAD
  const right5 = MARGIN_X + CONTENT_WIDTH - PAD

  const lines = options.lines
  let index = 0
  let running = 0
  let firstPage = true
  do {
    flow.newPage()
    if (firstPage) flow.write(words.lines(options.template, { ...options.view, continued: false }))
    else if (continuedHeading?.kind === 'heading') flow.heading(continuedHeading.text)
    firstPage = false
    flow.space(4)
    const room = flow.y - BOTTOM_Y - HEADER_HEIGHT - 3 * TOTAL_LEADING - 4
    const rows = Math.max(1, Math.min(PASS_ROWS_PER_PAGE, Math.floor(room / PASS_ROW_HEIGHT)))
    const page = flow.page
    drawHeaderRow(page, faces, headers, flow.y)
    flow.y -= HEADER_HEIGHT
    const end = Math.min(lines.length, index + rows)
    let pageCents = 0
    const zebraTop = flow.y
    for (let i = index; i < end; i += 2) {
      if (i + 1 < end) page.fillRect(MARGIN_X, zebraTop - (i + 2 - index) * PASS_ROW_HEIGHT, CONTENT_WIDTH, PASS_ROW_HEIGHT, 0.96)
    }
    for (let i = index; i < end; i++) {
      const line = lines[i] as ClaimPassLine
      flow.y -= PASS_ROW_HEIGHT
      const baseline = flow.y + 3.6
      const number = faces.regular.measure(String(i + 1))
      page.glyphs(faces.regular, CELL_SIZE, right0 - number.advance * CELL_SIZE, baseline, number.hex)
      const id = fit(faces.mono, cleanText(line.identifier), PASS_COLUMN_WIDTHS[1] - 2 * PAD)
      page.glyphs(faces.mono, id.size, x1 + PAD, baseline, id.hex)
      const used = date(line.serviceDate)
      page.glyphs(faces.regular, used.size, x2 + PAD, baseline, used.hex)
      const scanned = date(line.scanDate)
      page.glyphs(faces.regular, scanned.size, x3 + PAD, baseline, scanned.hex)
      const buyer = funder(line.funder)
      page.glyphs(faces.regular, buyer.size, x4 + PAD, baseline, buyer.hex)
      const value = euros(line.faceValueCents)
      page.glyphs(faces.regular, CELL_SIZE, right5 - value.width, baseline, value.hex)
      pageCents += line.faceValueCents
    }
    running += pageCents
    if (!Number.isSafeInteger(running)) throw new RangeError('pass annex total is out of the safe integer range')
    const last = end >= lines.length
    drawTotals(flow, words.lines('pass-page-totals', {
      ...options.view,
      pageCount: thousands(end - index),
      pageAmount: formatEuros(pageCents),
      runningCount: thousands(end),
      runningAmount: formatEuros(running),
      isLastPage: last,
      isEmpty: lines.length === 0,
    }))
    index = end
  } while (index < lines.length)
  return running
}
