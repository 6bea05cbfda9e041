// Turns an uploaded table into the pass lines of a claim. Structures built these files by hand, in
// French or from an English export: we guess what each column is, let them correct the guess, then
// check every cell and say exactly where a problem is and how to fix it ("ligne 12, B (Montant)"),
// because the person fixing it is back in their spreadsheet, not in our screen.

import { parseFrenchDate, todayInParis } from './calendar.ts'
import type { IsoDate } from './calendar.ts'
import { formatEuros, parseEuros } from './money.ts'
import type { Cents } from './money.ts'
import { checkIdentifier } from './pass-identifier.ts'
import type { IdentifierRule } from './pass-identifier.ts'
import type { SheetTable } from './spreadsheet.ts'

export type ColumnRole = 'identifier' | 'faceValue' | 'serviceDate' | 'scanDate' | 'funder' | 'ignore'

export interface ImportedLine {
  readonly rowNumber: number
  /** Normalised with the procedure's rule: the key for duplicates and reconciliation. */
  readonly identifier: string
  /** From the file, else the procedure's default face value. */
  readonly faceValueCents: Cents
  /** True when the amount comes from the file rather than the default (even if equal to it). */
  readonly faceValueOverridden: boolean
  readonly serviceDate: IsoDate | null
  readonly scanDate: IsoDate | null
  readonly funder: string | null
  /** Used on or after the judgment day (serviceDate >= judgmentDate); null when the date is unknown. */
  readonly afterJudgment: boolean | null
}

export interface RowError {
  /** As the user sees it in their spreadsheet; 0 for a problem with the columns themselves. */
  readonly rowNumber: number
  /** Letter and title, e.g. 'B (Montant)'; '' when no single column is at fault. */
  readonly column: string
  readonly value: string
  readonly reason: string
  readonly fix: string
}

export interface DuplicateIdentifier {
  readonly identifier: string
  readonly rowNumbers: number[]
}

export interface ImportResult {
  readonly lines: ImportedLine[]
  readonly errors: RowError[]
  readonly duplicates: DuplicateIdentifier[]
}

export interface ImportOptions {
  readonly rule: IdentifierRule
  readonly defaultFaceValueCents: Cents
  readonly judgmentDate: IsoDate
  /** Defaults to today in Paris; injectable so tests do not depend on the clock. */
  readonly today?: IsoDate
}

/** A pass is worth 10 €; 1 000 € on one line is certainly a total or a typo, never one pass. */
export const MAX_FACE_VALUE_CENTS: Cents = 100_000

/** 0 → 'A', 25 → 'Z', 26 → 'AA', as spreadsheets name columns. */
export function columnLetter(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`column index must be a non-negative integer: ${index}`)
  let letters = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters
  return letters
}

// ---- Guessing the columns -------------------------------------------------------------------------

function normaliseHeader(title: string): string {
  return title.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/gu, ' ').trim()
}

// Columns that resemble ours but are something else: the carnet, the structure, validity dates.
const NOT_OURS = /\b(siret|siren|carnet|telephone|tel|postal|insee|commune|beneficiaire|emission|expiration|validite|expiry|expire|issued?|naissance|birth|programme|structure)\b/u

type Role = Exclude<ColumnRole, 'ignore'>
interface RoleHints {
  readonly exact: readonly string[]
  readonly words: RegExp
}

const HINTS: Record<Role, RoleHints> = {
  scanDate: {
    exact: ['date de scan', 'date scan', 'date du scan', 'scanne le', 'scan', 'scan date', 'scanned at', 'scanned on', 'date de lecture'],
    words: /\bscan\w*/u,
  },
  serviceDate: {
    exact: ['date', 'date d utilisation', 'date de l atelier', 'date atelier', 'date de service', 'date utilisation', 'utilise le', 'date de l activite', 'date of use', 'service date', 'used on', 'used at'],
    words: /\b(date|utilise|utilisation|used|jour)\b/u,
  },
  faceValue: {
    exact: ['valeur', 'montant', 'valeur faciale', 'prix', 'valeur du pass', 'montant du pass', 'valeur unitaire', 'amount', 'value', 'face value', 'price'],
    words: /\b(valeur|montant|prix|amount|value|price|euros?|eur)\b/u,
  },
  funder: {
    exact: ['commanditaire', 'financeur', 'acheteur', 'funder', 'buyer', 'purchaser', 'sponsor'],
    words: /\b(commandit\w*|financ\w*|achet\w*|funder|buyer|purchaser|sponsor|payeur)\b/u,
  },
  identifier: {
    exact: ['identifiant', 'id', 'n', 'no', 'numero', 'code', 'serial', 'pass', 'n de pass', 'n du pass', 'numero de pass', 'numero du pass', 'code du pass', 'code pass', 'identifiant du pass', 'identifiant pass', 'serial number', 'pass id', 'pass number', 'identifier', 'reference', 'numero de serie', 'code barre'],
    words: /\b(identifiant|identifier|id|numero|number|num|code|serial|serie|reference|ref|n|no|pass)\b/u,
  },
}

// On equal scores the more specific role wins: 'Date de scan' also contains 'date'.
const ROLE_ORDER: readonly Role[] = ['scanDate', 'serviceDate', 'faceValue', 'funder', 'identifier']

function score(title: string, role: Role): number {
  const normalised = normaliseHeader(title)
  if (normalised === '' || NOT_OURS.test(normalised)) return 0
  const hints = HINTS[role]
  if (hints.exact.includes(normalised)) return 3
  if (role === 'faceValue' && title.includes('€')) return 2
  if (!hints.words.test(normalised)) return 0
  // 'Code scanné' is an identifier that was scanned, not a scan date.
  if (role === 'scanDate' && HINTS.identifier.words.test(normalised)) return 0
  return role === 'identifier' || role === 'serviceDate' ? 1 : 2
}

/** A first guess from the titles (French or English, any case and accents); the user confirms it. */
export function guessMapping(header: string[]): ColumnRole[] {
  const candidates: { column: number; role: Role; score: number }[] = []
  header.forEach((title, column) => {
    for (const role of ROLE_ORDER) {
      const value = score(title, role)
      if (value > 0) candidates.push({ column, role, score: value })
    }
  })
  candidates.sort((a, b) => b.score - a.score || a.column - b.column || ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role))
  const mapping: ColumnRole[] = header.map(() => 'ignore')
  const taken = new Set<Role>()
  for (const { column, role } of candidates) {
    if (taken.has(role) || mapping[column] !== 'ignore') continue
    mapping[column] = role
    taken.add(role)
  }
  return mapping
}

// ---- Validating the rows --------------------------------------------------------------------------

const ROLE_NAMES: Record<Role, string> = {
  identifier: 'numéro du pass',
  faceValue: 'montant',
  serviceDate: 'date d’utilisation',
  scanDate: 'date de scan',
  funder: 'commanditaire',
}

const DATE_FIX = 'écrivez la date au format jj/mm/aaaa avec l’année sur quatre chiffres, par exemple 16/01/2024'
// Exports of scan records append the time: "16/01/2024 14:32", "2024-01-16T14:32:05Z".
const TIME_SUFFIX = /^(.*\d)(?:\s+|T)\d{1,2}[:h]\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$/u

type CellCheck<T> = { ok: true; value: T } | { ok: false; reason: string; fix: string }

function readDate(text: string, today: IsoDate): CellCheck<IsoDate | null> {
  if (text === '') return { ok: true, value: null }
  let parsed = parseFrenchDate(text)
  const withoutTime = TIME_SUFFIX.exec(text)?.[1]
  if (!parsed.ok && parsed.error.code === 'invalid_format' && withoutTime !== undefined) parsed = parseFrenchDate(withoutTime)
  if (parsed.ok) {
    if (parsed.value > today) return { ok: false, reason: 'date dans le futur', fix: 'indiquez une date passée : celle où le pass a été utilisé ou scanné' }
    return { ok: true, value: parsed.value }
  }
  switch (parsed.error.code) {
    case 'two_digit_year':
      return { ok: false, reason: 'année sur deux chiffres', fix: DATE_FIX }
    case 'nonexistent_date':
      return { ok: false, reason: 'date inexistante', fix: 'vérifiez le jour et le mois : la date doit exister dans le calendrier (jj/mm/aaaa, par exemple 16/01/2024)' }
    default:
      return { ok: false, reason: 'date illisible', fix: DATE_FIX }
  }
}

function readAmount(text: string): CellCheck<Cents> {
  const parsed = parseEuros(text)
  if (!parsed.ok) return { ok: false, reason: 'montant illisible', fix: 'écrivez le montant en euros, par exemple 10,00' }
  if (parsed.value <= 0) return { ok: false, reason: 'montant nul ou négatif', fix: 'indiquez la valeur du pass, en général 10,00' }
  if (parsed.value > MAX_FACE_VALUE_CENTS) {
    return { ok: false, reason: `montant supérieur à ${formatEuros(MAX_FACE_VALUE_CENTS)}`, fix: 'indiquez la valeur d’un seul pass (en général 10,00), une ligne par pass ; retirez les lignes de total' }
  }
  return { ok: true, value: parsed.value }
}

function mappingErrors(table: SheetTable, columns: Map<Role, number[]>, label: (i: number) => string): RowError[] {
  const errors: RowError[] = []
  if ((columns.get('identifier') ?? []).length === 0) {
    errors.push({
      rowNumber: 0,
      column: '',
      value: '',
      reason: 'aucune colonne ne contient le numéro des pass',
      fix: `indiquez quelle colonne contient le numéro imprimé sur chaque pass (titres trouvés : ${table.header.filter((title) => title !== '').map((title) => `« ${title} »`).join(', ') || 'aucun'})`,
    })
  }
  for (const [role, indexes] of columns) {
    if (indexes.length < 2) continue
    errors.push({
      rowNumber: 0,
      column: indexes.map(label).join(', '),
      value: '',
      reason: `plusieurs colonnes contiennent le ${ROLE_NAMES[role]}`,
      fix: `choisissez une seule colonne pour le ${ROLE_NAMES[role]} et ignorez les autres`,
    })
  }
  return errors
}

/** Checks every row; lines are only the rows without any error and whose identifier appears once. */
export function validateRows(table: SheetTable, mapping: readonly ColumnRole[], options: ImportOptions): ImportResult {
  const label = (index: number): string => {
    const title = table.header[index] ?? ''
    return title === '' ? columnLetter(index) : `${columnLetter(index)} (${title})`
  }
  const columns = new Map<Role, number[]>()
  table.header.forEach((_, index) => {
    const role = mapping[index] ?? 'ignore'
    if (role !== 'ignore') columns.set(role, [...(columns.get(role) ?? []), index])
  })
  const structural = mappingErrors(table, columns, label)
  if (structural.length > 0) return { lines: [], errors: structural, duplicates: [] }

  const column = (role: Role): number | undefined => columns.get(role)?.[0]
  const idColumn = column('identifier') as number
  const amountColumn = column('faceValue')
  const serviceColumn = column('serviceDate')
  const scanColumn = column('scanDate')
  const funderColumn = column('funder')
  const today = options.today ?? todayInParis(new Date())

  const errors: RowError[] = []
  const candidates: ImportedLine[] = []
  const rowsById = new Map<string, number[]>()

  for (const { rowNumber, cells } of table.rows) {
    const cell = (index: number | undefined): string => (index === undefined ? '' : (cells[index] ?? '').trim())
    let valid = true
    const report = (index: number, reason: string, fix: string): void => {
      errors.push({ rowNumber, column: label(index), value: cell(index), reason, fix })
      valid = false
    }

    const identifier = checkIdentifier(cell(idColumn), options.rule)
    if (identifier.ok) {
      const rows = rowsById.get(identifier.value)
      if (rows === undefined) rowsById.set(identifier.value, [rowNumber])
      else rows.push(rowNumber)
    } else if (identifier.error.code === 'empty') {
      report(idColumn, 'numéro de pass manquant', `recopiez le numéro imprimé sur le pass (exemple : ${options.rule.example}), ou supprimez la ligne si ce n’est pas un pass (total, commentaire)`)
    } else {
      report(idColumn, 'numéro de pass au mauvais format', `recopiez le numéro tel qu’il est imprimé sur le pass, au format ${options.rule.example}`)
    }

    let faceValueCents = options.defaultFaceValueCents
    const amountText = cell(amountColumn)
    if (amountColumn !== undefined && amountText !== '') {
      const amount = readAmount(amountText)
      if (amount.ok) faceValueCents = amount.value
      else report(amountColumn, amount.reason, amount.fix)
    }

    const dates: (IsoDate | null)[] = []
    for (const index of [serviceColumn, scanColumn]) {
      const date = index === undefined ? ({ ok: true, value: null } as const) : readDate(cell(index), today)
      if (!date.ok && index !== undefined) report(index, date.reason, date.fix)
      dates.push(date.ok ? date.value : null)
    }
    const [serviceDate = null, scanDate = null] = dates
    if (serviceDate !== null && scanDate !== null && scanDate < serviceDate && scanColumn !== undefined) {
      report(scanColumn, 'date de scan antérieure à la date d’utilisation', 'un pass est scanné le jour de son utilisation ou après : vérifiez les deux dates de la ligne')
    }

    if (!valid || !identifier.ok) continue
    const funder = cell(funderColumn)
    candidates.push({
      rowNumber,
      identifier: identifier.value,
      faceValueCents,
      faceValueOverridden: amountText !== '',
      serviceDate,
      scanDate,
      funder: funder === '' ? null : funder,
      // The opening judgment takes effect at 0:00 on its own day: a pass used that day is post-opening.
      afterJudgment: serviceDate === null ? null : serviceDate >= options.judgmentDate,
    })
  }

  const duplicates: DuplicateIdentifier[] = []
  for (const [identifier, rowNumbers] of rowsById) if (rowNumbers.length > 1) duplicates.push({ identifier, rowNumbers })
  const lines = candidates.filter((line) => (rowsById.get(line.identifier)?.length ?? 0) === 1)
  return { lines, errors, duplicates }
}
