// The files for the court: the list of declared claims with the liquidator's proposals (L624-1) and
// the état des créances with the juge-commissaire's decisions (R624-8), each as CSV (French
// spreadsheet conventions), XLSX (amounts as numbers in euros) and PDF (words in
// claims-templates/court/). One row per claim, from review/claims-list.ts; every amount in cents.
import { createHash } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { stringify } from 'csv-stringify/sync'
import ExcelJS from 'exceljs'
import { PDFDocument } from 'pdf-lib'
import { formatFrenchDate, parisDateOf, type IsoDate } from '../../lib/calendar.ts'
import { CLAIM_STATE_LABELS, isClaimState } from '../../lib/claim-states.ts'
import { formatDecimal, formatEuros, sumCents } from '../../lib/money.ts'
import { createTemplateEngine, type TemplateEngine } from '../../templates/render.ts'
import { CONTENT_WIDTH, DocumentFlow } from '../documents/claim-layout.ts'
import { ClaimWords } from '../documents/claim-markup.ts'
import { drawTable, type Column } from '../documents/claim-tables.ts'
import { embedFaces } from '../documents/fonts.ts'
import { addPagesWithFooters } from '../documents/page-footer.ts'
import type { ClaimListRow } from '../review/claims-list.ts'

export type StatementKind = 'list' | 'statement'
export type StatementFormat = 'csv' | 'xlsx' | 'pdf'

export const STATEMENT_FILES: Record<StatementKind, { title: string; file: string }> = {
  list: { title: 'Liste des créances déclarées', file: 'liste-des-creances' },
  statement: { title: 'État des créances', file: 'etat-des-creances' },
}

/** What one field shows: its text, and its typed value for the spreadsheet (cents, or a calendar date). */
type Cell = { text: string; cents?: number; date?: IsoDate }
interface Field {
  readonly header: string
  readonly value: (row: ClaimListRow) => Cell
  /** Width in the PDF (points), 'rest' for what the others leave (one field); absent: not printed (the PDF keeps what a judge reads). */
  readonly pdf?: number | 'rest'
  /** Only in the PDF, which merges cells the spreadsheets keep apart. */
  readonly only?: 'pdf'
}

const money = (cents: number | null | undefined): Cell => (cents === null || cents === undefined ? { text: '' } : { text: formatDecimal(cents), cents })
const text = (value: string | number | null | undefined): Cell => ({ text: value === null || value === undefined ? '' : String(value) })
// French short dates (16/06/2025) in the CSV and the PDF, true dates in the XLSX.
const day = (date: IsoDate | null | undefined): Cell => (date ? { text: formatFrenchDate(date, 'short'), date } : { text: '' })
const proposalWords = (r: ClaimListRow) =>
  r.proposal === null ? 'non faite' : r.proposal.referCents > 0 ? 'admission partielle, renvoi du surplus' : r.proposal.rejectCents > 0 ? (r.proposal.admitCents > 0 ? 'admission partielle' : 'rejet') : 'admission'

// A4 portrait leaves about 500 points for the PDF's table: the creditor's name and SIRET share a
// cell there (kept apart in the spreadsheets), the SIRET held together by no-break spaces.
const COMMON: Field[] = [
  { header: 'n° de déclaration', value: (r) => text(r.number), pdf: 92 },
  { header: 'créancier', value: (r) => text(r.creditor) },
  { header: 'SIRET', value: (r) => text(r.siret) },
  { header: 'créancier (SIRET)', value: (r) => text(`${r.creditor}, SIRET\u00a0${r.siret.replace(/^(\d{3})(\d{3})(\d{3})(\d{5})$/u, '$1\u00a0$2\u00a0$3\u00a0$4')}`), pdf: 'rest', only: 'pdf' },
  { header: 'département', value: (r) => text(r.departement) },
  { header: 'état', value: (r) => text(isClaimState(r.status) ? CLAIM_STATE_LABELS[r.status] : r.status) },
  { header: 'version', value: (r) => text(r.version) },
  { header: 'déposée le', value: (r) => day(r.submittedAt ? parisDateOf(r.submittedAt) : null) },
  { header: 'hors délai', value: (r) => text(r.late ? 'oui' : 'non') },
  { header: 'pass déclarés', value: (r) => text(r.passLines) },
  { header: 'montant déclaré (€)', value: (r) => money(r.declaredCents), pdf: 62 },
  { header: 'nature', value: () => text('chirographaire') },
]

const FIELDS: Record<StatementKind, Field[]> = {
  list: [
    ...COMMON,
    { header: 'proposé à l’admission (€)', value: (r) => money(r.proposal?.admitCents ?? r.admitCents), pdf: 62 },
    { header: 'contesté ou rejeté (€)', value: (r) => money(r.contestCents), pdf: 62 },
    { header: 'en attente (€)', value: (r) => money(r.pendingCents) },
    { header: 'proposition', value: (r) => text(proposalWords(r)), pdf: 96 },
    { header: 'proposé au rejet (€)', value: (r) => money(r.proposal?.rejectCents) },
    { header: 'renvoyé devant la juridiction compétente (€)', value: (r) => money(r.proposal?.referCents) },
  ],
  statement: [
    ...COMMON,
    { header: 'proposé à l’admission (€)', value: (r) => money(r.proposal?.admitCents ?? r.admitCents) },
    { header: 'admis par le juge-commissaire (€)', value: (r) => money(r.judge?.admittedCents), pdf: 62 },
    { header: 'rejeté par le juge-commissaire (€)', value: (r) => money(r.judge?.rejectedCents), pdf: 58 },
    // L624-2: a lawsuit pending, or the dispute sent to the competent court.
    { header: 'instance en cours ou renvoyé (€)', value: (r) => money(r.judge?.referredCents), pdf: 54 },
    { header: 'date de la décision', value: (r) => day(r.judge?.decidedOn as IsoDate | undefined) },
    { header: 'référence de la décision', value: (r) => text(r.judge?.reference) },
    // The PDF has no room for both: reference and date in one cell, one above the other.
    { header: 'décision', value: (r) => text(r.judge ? `${r.judge.reference} du ${formatFrenchDate(r.judge.decidedOn as IsoDate, 'short')}` : 'à rendre'), pdf: 54, only: 'pdf' },
  ],
}

export interface RenderedFile {
  readonly bytes: Buffer
  readonly sha256: string
  readonly contentType: string
  readonly fileName: string
}

const done = (bytes: Buffer, contentType: string, fileName: string): RenderedFile => ({ bytes, sha256: createHash('sha256').update(bytes).digest('hex'), contentType, fileName })

const spreadsheetFields = (kind: StatementKind) => FIELDS[kind].filter((f) => f.only !== 'pdf')

export function statementCsv(kind: StatementKind, rows: readonly ClaimListRow[]): RenderedFile {
  const fields = spreadsheetFields(kind)
  // French spreadsheet conventions: semicolons, decimal commas, and a BOM so that Excel reads UTF-8.
  const csv = '\uFEFF' + stringify([fields.map((f) => f.header), ...rows.map((r) => fields.map((f) => f.value(r).text))], { delimiter: ';' })
  return done(Buffer.from(csv, 'utf8'), 'text/csv; charset=utf-8', `${STATEMENT_FILES[kind].file}.csv`)
}

/** A, B, … Z, AA: the spreadsheet's name of the column at 0-based `index`. */
function columnName(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : columnName(Math.floor(index / 26) - 1) + String.fromCharCode(65 + (index % 26))
}

export async function statementXlsx(kind: StatementKind, rows: readonly ClaimListRow[]): Promise<RenderedFile> {
  const fields = spreadsheetFields(kind)
  const out = new PassThrough()
  const bytes = buffer(out)
  // The streaming writer: rows go out as they are added, committed one by one.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true })
  const sheet = workbook.addWorksheet(STATEMENT_FILES[kind].title.slice(0, 31))
  sheet.columns = fields.map((f) => ({ header: f.header, width: Math.max(12, Math.min(40, f.header.length + 2)) }))
  sheet.getRow(1).font = { bold: true }
  sheet.getRow(1).commit()
  for (const r of rows) {
    const cells = fields.map((f) => f.value(r))
    // Amounts as numbers of euros (cents / 100 is exact to the cent in a double), dates as dates.
    const row = sheet.addRow(cells.map((cell) => (cell.cents !== undefined ? cell.cents / 100 : cell.date !== undefined ? new Date(`${cell.date}T00:00:00Z`) : cell.text === '' ? null : cell.text)))
    cells.forEach((cell, i) => {
      if (cell.cents !== undefined) row.getCell(i + 1).numFmt = '#,##0.00 "€"'
      else if (cell.date !== undefined) row.getCell(i + 1).numFmt = 'dd/mm/yyyy'
    })
    row.commit()
  }
  // Totals as formulas (so that an edited sheet stays right) carrying their exact result.
  const totals = fields.map((f) => (/\(€\)/u.test(f.header) ? sumCents(rows.map((r) => f.value(r).cents ?? 0)) : null))
  const total = sheet.addRow(totals.map((cents, i) => (i === 0 ? `Total (${rows.length} créances)` : cents === null ? null : { formula: `SUM(${columnName(i)}2:${columnName(i)}${rows.length + 1})`, result: cents / 100 })))
  total.font = { bold: true }
  totals.forEach((cents, i) => {
    if (cents !== null) total.getCell(i + 1).numFmt = '#,##0.00 "€"'
  })
  total.commit()
  sheet.commit()
  await workbook.commit()
  return done(await bytes, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', `${STATEMENT_FILES[kind].file}.xlsx`)
}

let engine: TemplateEngine | undefined

export async function statementPdf(kind: StatementKind, rows: readonly ClaimListRow[], context: { debtor: string; date: IsoDate }): Promise<RenderedFile> {
  const words = new ClaimWords((engine ??= createTemplateEngine()), 'court')
  const fields = FIELDS[kind].filter((f) => f.pdf !== undefined)
  // The PDF's column headers are words (claims-templates/court/), shorter than the spreadsheets' names.
  const headers = words.list(kind === 'list' ? 'list-columns' : 'statement-columns', {})
  if (headers.length !== fields.length) throw new Error(`claims-templates/court/${kind === 'list' ? 'list' : 'statement'}-columns.hbs: ${headers.length} headers for ${fields.length} columns`)
  const fixed = fields.reduce((sum, f) => sum + (typeof f.pdf === 'number' ? f.pdf : 0), 0)
  const doc = await PDFDocument.create({ updateMetadata: false })
  const faces = await embedFaces(doc)
  const flow = new DocumentFlow(faces, () => undefined)
  const view = { debtor: context.debtor, date: formatFrenchDate(context.date) }
  drawTable(flow, words, {
    template: kind === 'list' ? 'list-section' : 'statement-section',
    view,
    headers,
    columns: fields.map((f): Column => ({ width: typeof f.pdf === 'number' ? f.pdf : CONTENT_WIDTH - fixed, align: /€/u.test(f.header) ? 'right' : 'left' })),
    rows: rows.map((r) => ({ cells: fields.map((f) => {
      const cell = f.value(r)
      return cell.cents === undefined ? cell.text : formatEuros(cell.cents)
    }) })),
    totalTemplate: 'totals',
    totalView: {
      count: rows.length,
      declared: formatEuros(sumCents(rows.map((r) => r.declaredCents))),
      proposed: formatEuros(sumCents(rows.map((r) => r.proposal?.admitCents ?? r.admitCents))),
      hasJudge: kind === 'statement',
      admitted: formatEuros(sumCents(rows.map((r) => r.judge?.admittedCents ?? 0))),
      rejected: formatEuros(sumCents(rows.map((r) => r.judge?.rejectedCents ?? 0))),
      referred: formatEuros(sumCents(rows.map((r) => r.judge?.referredCents ?? 0))),
      hasReferred: rows.some((r) => (r.judge?.referredCents ?? 0) > 0),
      pending: rows.filter((r) => r.judge === null).length,
    },
  })
  const title = STATEMENT_FILES[kind].title
  addPagesWithFooters(doc, flow, faces, (page, pages) => words.lines('footer', { title, debtor: context.debtor, page, pages })[0])
  const stamp = new Date(`${context.date}T12:00:00Z`)
  doc.setTitle(`${title} — ${context.debtor}`, { showInWindowTitleBar: true })
  doc.setLanguage('fr-FR')
  doc.setCreationDate(stamp)
  doc.setModificationDate(stamp)
  doc.setProducer('Suivi des créances Pass numérique')
  return done(Buffer.from(await doc.save()), 'application/pdf', `${STATEMENT_FILES[kind].file}.pdf`)
}

export async function renderStatement(kind: StatementKind, format: StatementFormat, rows: readonly ClaimListRow[], context: { debtor: string; date: IsoDate }): Promise<RenderedFile> {
  if (format === 'csv') return statementCsv(kind, rows)
  if (format === 'xlsx') return statementXlsx(kind, rows)
  return statementPdf(kind, rows, context)
}
