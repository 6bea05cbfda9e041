// Reads the table a structure uploads to declare its passes: a CSV as French spreadsheets save it
// (';' because ',' is the decimal separator, often Windows-1252) or an XLSX. The caller has sniffed
// the bytes already (DOMAIN §6: the file name decides nothing). Every cell becomes the text the user
// sees in their spreadsheet, and every row keeps the number the user sees, so that an error message
// ("ligne 12, colonne B") points at the right place when they open the file again.

import { parse } from 'csv-parse/sync'
import ExcelJS from 'exceljs'
import type { Cell, Worksheet } from 'exceljs'
import { fail, ok } from './result.ts'
import type { InputError, Result } from './result.ts'

/** A claim is at most a few thousand passes; far more means a wrong file (the whole ledger?). */
export const MAX_TABLE_ROWS = 200_000

export type SheetFormat = 'csv' | 'xlsx'
export type SheetEncoding = 'utf-8' | 'windows-1252' | 'utf-16le'
export type SheetDelimiter = ';' | ',' | '\t'

export interface SheetRow {
  /** The row number shown by the spreadsheet application (the header is usually 1). */
  readonly rowNumber: number
  /** Trimmed texts, exactly one per header column. */
  readonly cells: string[]
}

export interface SheetTable {
  readonly format: SheetFormat
  readonly encoding?: SheetEncoding
  readonly delimiter?: SheetDelimiter
  /** Column titles; '' for a column without a title. Same length as every row's `cells`. */
  readonly header: string[]
  /** Non-empty rows after the header, in file order. */
  readonly rows: SheetRow[]
}

export type SpreadsheetErrorCode = 'empty_file' | 'no_header' | 'no_rows' | 'malformed_csv' | 'unreadable_xlsx' | 'too_many_rows'
export type SpreadsheetError = InputError<SpreadsheetErrorCode>

const HEADER_EXAMPLE = '« Identifiant ; Montant ; Date »'

export async function readTable(bytes: Uint8Array, kind: SheetFormat): Promise<Result<SheetTable, SpreadsheetError>> {
  return kind === 'csv' ? readCsv(bytes) : readXlsx(bytes)
}

// ---- CSV ----------------------------------------------------------------------------------------

function decode(bytes: Uint8Array): { text: string; encoding: SheetEncoding } {
  // Excel's "Texte Unicode" export is UTF-16LE with a byte order mark.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' }
  try {
    // Strict decoding: Windows-1252 accents are invalid UTF-8, so a failure tells the two apart.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' }
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' }
  }
}

const DELIMITERS: readonly SheetDelimiter[] = [';', '\t', ','] // ties go to the French habit
const SAMPLE_LINES = 50

/** Counts each candidate outside quotes on the first lines; a delimiter appears in the header and as often on each line. */
export function detectDelimiter(text: string): SheetDelimiter {
  const lines: Map<SheetDelimiter, number>[] = []
  let current = new Map<SheetDelimiter, number>()
  let content = false
  let inQuotes = false
  const endLine = (): void => {
    if (content) lines.push(current)
    current = new Map()
    content = false
  }
  for (let i = 0; i < text.length && lines.length < SAMPLE_LINES; i++) {
    const char = text[i] as string
    if (char === '"') inQuotes = !inQuotes // a doubled quote toggles twice: no change
    if (inQuotes) continue
    if (char === '\n') endLine()
    else if (char === ';' || char === ',' || char === '\t') current.set(char, (current.get(char) ?? 0) + 1)
    else if (char.trim() !== '') content = true // lines of bare separators are empty rows
  }
  endLine()
  const [header, ...rest] = lines
  if (header === undefined) return ';'
  let best: SheetDelimiter = ';'
  let bestScore = -1
  for (const candidate of DELIMITERS) {
    const expected = header.get(candidate) ?? 0
    if (expected === 0) continue
    const score = rest.filter((line) => (line.get(candidate) ?? 0) === expected).length
    if (score > bestScore) {
      best = candidate
      bestScore = score
    }
  }
  return best
}

function csvErrorMessage(error: unknown): string {
  const code = (error as { code?: unknown }).code
  const line = (error as { lines?: unknown }).lines
  const where = typeof line === 'number' ? ` (vers la ligne ${line})` : ''
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return `Le fichier CSV contient un guillemet qui n’est jamais refermé${where}. Ouvrez-le dans votre tableur, vérifiez la cellule puis enregistrez-le à nouveau.`
  }
  return `Le fichier CSV est mal formé${where}. Ouvrez-le dans votre tableur puis enregistrez-le à nouveau au format CSV.`
}

function readCsv(bytes: Uint8Array): Result<SheetTable, SpreadsheetError> {
  const { text, encoding } = decode(bytes)
  if (text.includes('\u0000')) {
    return fail('malformed_csv', 'Ce fichier n’est pas un fichier texte CSV. Enregistrez votre tableau au format CSV ou XLSX puis déposez-le à nouveau.')
  }
  if (text.trim() === '') return fail('empty_file', 'Le fichier est vide : déposez le tableau qui liste vos pass.')
  const delimiter = detectDelimiter(text)
  let records: string[][]
  try {
    records = parse(text, {
      delimiter,
      relax_column_count: true, // a short row is a user's row, not a broken file
      relax_quotes: true, // a quote inside an unquoted cell (Pass "jeunes") is kept as text
      skip_empty_lines: false, // empty lines still count in the row numbers people see
      trim: true,
    })
  } catch (error) {
    return fail('malformed_csv', csvErrorMessage(error))
  }
  // Excel shows one row per record (a quoted line break stays inside its cell), so index + 1 is the row number.
  return buildTable(records.map((cells, index) => ({ rowNumber: index + 1, cells: cells.map((cell) => cell.trim()) })), { format: 'csv', encoding, delimiter })
}

// ---- Shared shaping ---------------------------------------------------------------------------------

const DATE_LIKE = /^(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2})/u
const DECIMAL_LIKE = /^-?\d[\d\s\u00A0\u202F]*([.,]\d+)?\s*€?$/u

/** A header holds names: a date or an amount in the first row means the titles are missing. */
function looksLikeData(cell: string): boolean {
  return DATE_LIKE.test(cell) || (DECIMAL_LIKE.test(cell) && /[.,€]/u.test(cell))
}

function buildTable(all: SheetRow[], meta: Pick<SheetTable, 'format' | 'encoding' | 'delimiter'>): Result<SheetTable, SpreadsheetError> {
  const nonEmpty = all.filter((row) => row.cells.some((cell) => cell !== ''))
  const [first, ...rows] = nonEmpty
  if (first === undefined) return fail('empty_file', 'Le fichier ne contient aucune donnée : déposez le tableau qui liste vos pass.')
  const dataCell = first.cells.find(looksLikeData)
  if (dataCell !== undefined) {
    return fail('no_header', `La première ligne du fichier doit contenir les titres des colonnes, par exemple ${HEADER_EXAMPLE}. Elle contient « ${dataCell} », qui ressemble à une donnée : ajoutez une ligne de titres au-dessus.`)
  }
  if (rows.length === 0) return fail('no_rows', 'Le fichier ne contient que la ligne de titres : ajoutez une ligne par pass en dessous.')
  if (rows.length > MAX_TABLE_ROWS) {
    return fail('too_many_rows', `Le fichier compte ${rows.length.toLocaleString('fr-FR')} lignes, au-delà de la limite de ${MAX_TABLE_ROWS.toLocaleString('fr-FR')} : vérifiez qu’il s’agit bien de la liste de vos pass, ou découpez-le en plusieurs fichiers.`)
  }
  // Columns that are empty everywhere (a trailing ';' on every line) are not columns to the user.
  let width = 0
  for (const row of nonEmpty) {
    for (let i = row.cells.length - 1; i >= width; i--) {
      if (row.cells[i] !== '') {
        width = i + 1
        break
      }
    }
  }
  const fit = (cells: string[]): string[] => Array.from({ length: width }, (_, i) => cells[i] ?? '')
  return ok({ ...meta, header: fit(first.cells), rows: rows.map((row) => ({ rowNumber: row.rowNumber, cells: fit(row.cells) })) })
}

// ---- XLSX ---------------------------------------------------------------------------------------

const DAY_MS = 86_400_000
const EPOCH_1900 = Date.UTC(1899, 11, 30) // Excel's day 0, past its fictitious 29/02/1900
const EPOCH_1904 = Date.UTC(1904, 0, 1)

/** Format sections without quoted text, [colours]/[locales] and escapes, where only codes remain. */
function formatCodes(numFmt: string | undefined): string {
  return (numFmt ?? '').split(';')[0]?.replace(/"[^"]*"|\[[^\]]*\]|\\./gu, '') ?? ''
}

function isDateFormat(numFmt: string | undefined): boolean {
  return /[dy]/iu.test(formatCodes(numFmt))
}

const pad = (n: number): string => String(n).padStart(2, '0')

function dateText(date: Date): string {
  const ms = Math.round(date.getTime() / 1000) * 1000 // serial days carry float noise below the second
  if (Number.isNaN(ms)) return ''
  const d = new Date(ms)
  // exceljs builds dates from serial numbers in UTC: UTC fields are the spreadsheet's wall clock.
  const day = `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`
  const seconds = d.getUTCSeconds()
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds === 0 ? '' : `:${pad(seconds)}`}`
  if (ms >= EPOCH_1900 && ms < EPOCH_1900 + DAY_MS) return time // a time-only cell
  return time === '00:00' ? day : `${day} ${time}`
}

function numberText(value: number, numFmt: string | undefined): string {
  if (!Number.isFinite(value)) return ''
  // A fixed number of decimals in the format ("0.00", "# ##0,00 €") is what the user sees.
  const decimals = /\.(0+)/u.exec(formatCodes(numFmt))?.[1]?.length
  // Excel shows at most 15 significant digits: this also hides float noise (0.1 + 0.2).
  const clean = Number(value.toPrecision(15))
  const text = decimals !== undefined ? clean.toFixed(decimals) : String(clean)
  return text.replace('.', ',')
}

function cellText(value: unknown, numFmt: string | undefined, date1904: boolean): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value.trim()
  if (typeof value === 'boolean') return value ? 'VRAI' : 'FAUX' // as French Excel displays them
  if (value instanceof Date) return dateText(value)
  if (typeof value === 'number') {
    if (isDateFormat(numFmt)) return dateText(new Date((date1904 ? EPOCH_1904 : EPOCH_1900) + value * DAY_MS))
    return numberText(value, numFmt)
  }
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) {
      return value.richText.map((run: unknown) => (typeof run === 'object' && run !== null && 'text' in run ? String(run.text) : '')).join('').trim()
    }
    if ('hyperlink' in value && 'text' in value) return cellText(value.text, numFmt, date1904)
    if ('formula' in value || 'sharedFormula' in value) return 'result' in value ? cellText(value.result, numFmt, date1904) : ''
    if ('error' in value) return String(value.error)
  }
  return String(value).trim()
}

function firstWorksheet(workbook: ExcelJS.Workbook): Worksheet | undefined {
  // The tab the user sees on opening, not a hidden helper sheet left before it.
  return workbook.worksheets.find((sheet) => sheet.state === undefined || sheet.state === 'visible') ?? workbook.worksheets[0]
}

async function readXlsx(bytes: Uint8Array): Promise<Result<SheetTable, SpreadsheetError>> {
  if (bytes.length === 0) return fail('empty_file', 'Le fichier est vide : déposez le tableau qui liste vos pass.')
  const workbook = new ExcelJS.Workbook()
  try {
    // exceljs types its input as an ArrayBuffer (JSZip reads it); slice() copies exactly our bytes.
    await workbook.xlsx.load(bytes.slice().buffer)
  } catch {
    return fail('unreadable_xlsx', 'Ce fichier Excel n’a pas pu être lu (il est peut-être abîmé ou protégé par un mot de passe). Ouvrez-le dans votre tableur puis enregistrez-le à nouveau au format XLSX ou CSV.')
  }
  const sheet = firstWorksheet(workbook)
  if (sheet === undefined) return fail('empty_file', 'Le classeur ne contient aucune feuille : déposez le tableau qui liste vos pass.')
  if (sheet.actualRowCount > MAX_TABLE_ROWS + 1) {
    return fail('too_many_rows', `La feuille compte plus de ${MAX_TABLE_ROWS.toLocaleString('fr-FR')} lignes : vérifiez qu’il s’agit bien de la liste de vos pass, ou découpez-la en plusieurs fichiers.`)
  }
  const date1904 = workbook.properties.date1904 === true
  const columns = sheet.columnCount
  const rows: SheetRow[] = []
  sheet.eachRow((row, rowNumber) => {
    const cells: string[] = []
    for (let column = 1; column <= columns; column++) {
      const cell: Cell = row.getCell(column)
      cells.push(cellText(cell.value, cell.numFmt, date1904))
    }
    rows.push({ rowNumber, cells })
  })
  return buildTable(rows, { format: 'xlsx' })
}
