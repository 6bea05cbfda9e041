// Small tables with wrapped cells: the other claim lines (subscription, invoices) and the
// bordereau de pièces (R622-23), whose SHA-256 fingerprints are printed whole on a line of their own.
import { formatFrenchDate } from '../../lib/calendar.ts'
import { formatEuros, sumCents } from '../../lib/money.ts'
import { CONTENT_WIDTH, MARGIN_X } from './claim-layout.ts'
import type { DocumentFlow } from './claim-layout.ts'
import type { ClaimWords, TextLine } from './claim-markup.ts'
import type { ClaimEvidence, ClaimOtherLine } from './claim-pdf.ts'
import { thousands } from './claim-view.ts'
import { cleanText, wrapText } from './pdf-canvas.ts'
import type { FontFace } from './pdf-canvas.ts'

const SIZE = 8
const LEADING = 10.5
const PAD = 3
const HASH_SIZE = 7.5

export interface Column { readonly width: number; readonly align: 'left' | 'right' }
export interface Row { readonly cells: readonly string[]; readonly note?: { readonly label: string; readonly text: string } }

export interface TableSpec {
  readonly template: string
  readonly view: object
  readonly headers: readonly string[]
  readonly columns: readonly Column[]
  readonly rows: readonly Row[]
  /** Lines under the table (its total), from a template. */
  readonly totalTemplate: string | null
  readonly totalView: object
}

function drawHeader(flow: DocumentFlow, spec: TableSpec): void {
  const { bold } = flow.faces
  const wrapped = spec.columns.map((column, i) => wrapText(bold, SIZE, cleanText(spec.headers[i] ?? ''), column.width - 2 * PAD))
  const height = Math.max(...wrapped.map((lines) => lines.length)) * LEADING + 6
  flow.page.fillRect(MARGIN_X, flow.y - height, CONTENT_WIDTH, height, 0.88)
  let x = MARGIN_X
  spec.columns.forEach((column, i) => {
    ;(wrapped[i] ?? []).forEach((line, j) => {
      const left = column.align === 'right' ? x + column.width - PAD - bold.width(line, SIZE) : x + PAD
      flow.page.text(bold, SIZE, left, flow.y - 3 - (j + 1) * LEADING + 3, line)
    })
    x += column.width
  })
  flow.y -= height
}

/** Heading lines of the table's section: all of them first, only the heading (marked continued) after. */
function sectionLines(claimWords: ClaimWords, spec: TableSpec, continued: boolean): TextLine[] {
  const lines = claimWords.lines(spec.template, { ...spec.view, continued })
  return continued ? lines.filter((line) => line.kind === 'heading').slice(0, 1) : lines
}

export function drawTable(flow: DocumentFlow, claimWords: ClaimWords, spec: TableSpec): void {
  const { regular, mono } = flow.faces
  flow.newPage()
  flow.write(sectionLines(claimWords, spec, false))
  flow.space(4)
  drawHeader(flow, spec)
  for (const row of spec.rows) {
    const wrapped = spec.columns.map((column, i) => wrapText(regular, SIZE, cleanText(row.cells[i] ?? ''), column.width - 2 * PAD))
    const noteHeight = row.note === undefined ? 0 : LEADING
    const height = Math.max(...wrapped.map((lines) => lines.length)) * LEADING + noteHeight + 6
    if (flow.ensure(height)) {
      // A new page: the heading again, marked as continued, and the column headers.
      flow.write(sectionLines(claimWords, spec, true))
      flow.space(4)
      drawHeader(flow, spec)
    }
    let x = MARGIN_X
    spec.columns.forEach((column, i) => {
      ;(wrapped[i] ?? []).forEach((line, j) => {
        const left = column.align === 'right' ? x + column.width - PAD - regular.width(line, SIZE) : x + PAD
        flow.page.text(regular, SIZE, left, flow.y - 3 - (j + 1) * LEADING + 3, line)
      })
      x += column.width
    })
    if (row.note !== undefined) {
      const baseline = flow.y - height + 6
      const labelX = MARGIN_X + (spec.columns[0]?.width ?? 0) + PAD
      const label = cleanText(row.note.label)
      flow.page.text(regular, HASH_SIZE, labelX, baseline, label, 0.35)
      drawMono(flow, mono, labelX + regular.width(`${label} `, HASH_SIZE), baseline, row.note.text)
    }
    flow.y -= height
    flow.page.line(MARGIN_X, flow.y, MARGIN_X + CONTENT_WIDTH, flow.y, 0.4, 0.7)
  }
  if (spec.totalTemplate !== null) {
    flow.space(2)
    flow.write(claimWords.lines(spec.totalTemplate, spec.totalView), 'amounts')
  }
}

/** A fingerprint stays on one line, in one text run, so that it is read and copied whole. */
function drawMono(flow: DocumentFlow, mono: FontFace, x: number, baseline: number, text: string): void {
  const clean = cleanText(text)
  const available = MARGIN_X + CONTENT_WIDTH - PAD - x
  const natural = mono.width(clean, HASH_SIZE)
  const size = natural > available ? (HASH_SIZE * available) / natural : HASH_SIZE
  flow.page.text(mono, size, x, baseline, clean)
}

export function drawOtherLines(flow: DocumentFlow, claimWords: ClaimWords, view: object, lines: readonly ClaimOtherLine[]): void {
  const missing = claimWords.line('missing-value', view)
  const kindLabel = (kind: ClaimOtherLine['kind']) =>
    claimWords.line('other-line-kind', { isSubscription: kind === 'subscription', isInvoice: kind === 'invoice' })
  const labels = { subscription: kindLabel('subscription'), invoice: kindLabel('invoice') }
  drawTable(flow, claimWords, {
    template: 'annex-other',
    view,
    headers: claimWords.list('other-columns', view),
    columns: [
      { width: 26, align: 'right' }, { width: 88, align: 'left' }, { width: 170, align: 'left' },
      { width: 80, align: 'left' }, { width: 60, align: 'left' }, { width: CONTENT_WIDTH - 424, align: 'right' },
    ],
    rows: lines.map((line, i) => ({
      cells: [
        String(i + 1), labels[line.kind], line.label, line.invoiceNumber ?? missing,
        line.date === null ? missing : formatFrenchDate(line.date, 'short'), formatEuros(line.amountCents),
      ],
    })),
    totalTemplate: 'other-total',
    totalView: { ...view, count: thousands(lines.length), plural: lines.length > 1, amount: formatEuros(sumCents(lines.map((line) => line.amountCents))) },
  })
}

function fileSize(claimWords: ClaimWords, bytes: number): string {
  const decimal = (value: number) => value.toFixed(1).replace('.', ',')
  return claimWords.line('file-size', {
    bytes: thousands(bytes),
    kilobytes: decimal(bytes / 1024),
    megabytes: decimal(bytes / (1024 * 1024)),
    isUnderKilobyte: bytes < 1024,
    isUnderMegabyte: bytes < 1024 * 1024,
  })
}

export function drawEvidence(flow: DocumentFlow, claimWords: ClaimWords, view: object, evidence: readonly ClaimEvidence[]): void {
  const [number = '', file = '', kind = '', size = '', hash = 'SHA-256'] = claimWords.list('evidence-columns', view)
  drawTable(flow, claimWords, {
    template: 'annex-evidence',
    view,
    headers: [number, file, kind, size],
    columns: [{ width: 26, align: 'right' }, { width: 205, align: 'left' }, { width: 125, align: 'left' }, { width: CONTENT_WIDTH - 356, align: 'right' }],
    rows: evidence.map((item, i) => ({
      cells: [String(i + 1), item.fileName, item.kind, fileSize(claimWords, item.sizeBytes)],
      note: { label: hash, text: item.sha256.toLowerCase() },
    })),
    totalTemplate: null,
    totalView: view,
  })
}
