// The operator's extracts (DOMAIN §4) as the liquidator receives them: five CSV kinds, told apart
// by their header line (never by file name). One description per column feeds both the database
// CHECK constraints of a load (which refuse fast) and the row-by-row report (which explains).

import { isIsoDate } from './calendar.ts'
import { validateSiret } from './identifiers.ts'

export const LEDGER_KINDS = ['commanditaires', 'passes', 'scans', 'payments', 'creditors'] as const
export type LedgerKind = (typeof LEDGER_KINDS)[number]

export const LAUREATE_TYPES = ['conseil régional', 'conseil départemental', 'communes et EPCI', 'autre'] as const
export const CARNET_STATES = ['issued', 'injected', 'not injected', 'started'] as const

export type ColumnRule =
  | { readonly type: 'text'; readonly optional?: boolean; readonly oneOf?: readonly string[] }
  | { readonly type: 'identifier'; readonly optional?: boolean }
  | { readonly type: 'siret' }
  | { readonly type: 'count' }
  | { readonly type: 'cents' }
  | { readonly type: 'date' }
  | { readonly type: 'timestamp' }

export interface LedgerColumn {
  readonly name: string
  readonly label: string
  readonly rule: ColumnRule
}

export interface LedgerFileSpec {
  readonly kind: LedgerKind
  readonly label: string
  readonly table: string
  readonly columns: readonly LedgerColumn[]
}

const col = (name: string, label: string, rule: ColumnRule): LedgerColumn => ({ name, label, rule })

export const LEDGER_FILES: Readonly<Record<LedgerKind, LedgerFileSpec>> = {
  commanditaires: {
    kind: 'commanditaires',
    label: 'commanditaires',
    table: 'ledger_commanditaire',
    columns: [
      col('id', 'identifiant', { type: 'text' }),
      col('name', 'nom', { type: 'text' }),
      col('type', 'type de lauréat', { type: 'text', optional: true, oneOf: LAUREATE_TYPES }),
      col('departement_code', 'département', { type: 'text', optional: true }),
      col('programme', 'programme', { type: 'text' }),
      col('potential_passes', 'pass potentiels', { type: 'count' }),
    ],
  },
  passes: {
    kind: 'passes',
    label: 'pass émis',
    table: 'ledger_pass',
    columns: [
      col('identifier', 'identifiant du pass', { type: 'identifier' }),
      col('carnet_id', 'carnet', { type: 'text' }),
      col('commanditaire_id', 'commanditaire', { type: 'text' }),
      col('programme', 'programme', { type: 'text' }),
      col('issue_date', "date d'émission", { type: 'date' }),
      col('face_value_cents', 'valeur faciale (centimes)', { type: 'cents' }),
      col('valid_until', 'valable jusqu’au', { type: 'date' }),
      col('carnet_state', 'état du carnet', { type: 'text', oneOf: CARNET_STATES }),
    ],
  },
  scans: {
    kind: 'scans',
    label: 'scans',
    table: 'ledger_scan',
    columns: [
      col('identifier', 'identifiant du pass', { type: 'identifier' }),
      col('siret', 'SIRET de la structure', { type: 'siret' }),
      col('scanned_at', 'scanné le', { type: 'timestamp' }),
    ],
  },
  payments: {
    kind: 'payments',
    label: 'paiements',
    table: 'ledger_payment',
    columns: [
      col('identifier', 'identifiant du pass', { type: 'identifier', optional: true }),
      col('siret', 'SIRET de la structure', { type: 'siret' }),
      col('amount_cents', 'montant (centimes)', { type: 'cents' }),
      col('paid_at', 'payé le', { type: 'date' }),
      col('reference', 'référence du virement', { type: 'text' }),
    ],
  },
  creditors: {
    kind: 'creditors',
    label: 'liste des créanciers du débiteur',
    table: 'ledger_creditor',
    columns: [
      col('siret', 'SIRET du créancier', { type: 'siret' }),
      col('amount_cents', 'montant (centimes)', { type: 'cents' }),
    ],
  },
}

/** Load order: a pass names its commanditaire, a scan or payment names its pass. */
export const LOAD_ORDER: readonly LedgerKind[] = ['commanditaires', 'passes', 'scans', 'payments', 'creditors']

export const LEDGER_DELIMITER = ';'

/** Which kind a header line announces, or null. Column order must be exactly the spec's; names may be quoted. */
export function kindOfHeader(header: string): LedgerKind | null {
  const names = header.replace(/^\uFEFF/u, '').replace(/\r$/u, '').split(LEDGER_DELIMITER).map((name) => name.trim().replace(/^"(.*)"$/u, '$1').toLowerCase())
  for (const kind of LEDGER_KINDS) {
    const expected = LEDGER_FILES[kind].columns.map((c) => c.name)
    if (names.length === expected.length && names.every((name, i) => name === expected[i])) return kind
  }
  return null
}

export function expectedHeaders(): string {
  return LEDGER_KINDS.map((kind) => `${LEDGER_FILES[kind].label} : ${LEDGER_FILES[kind].columns.map((c) => c.name).join(';')}`).join(' — ')
}

export interface RowProblem {
  /** 1-based line in the file, header included (the header is line 1). */
  readonly line: number
  readonly column: string
  readonly value: string
  readonly reason: string
}

const INTEGER = /^(0|[1-9][0-9]{0,14})$/u
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$/u

/** Why one value breaks its column's rule, in French, or null when it is fine. */
export function checkValue(rule: ColumnRule, value: string, identifier: RegExp): string | null {
  if (value === '') {
    if ((rule.type === 'text' || rule.type === 'identifier') && rule.optional) return null
    return 'valeur manquante'
  }
  switch (rule.type) {
    case 'text':
      return rule.oneOf && !rule.oneOf.includes(value) ? `valeur inattendue : attendu ${rule.oneOf.map((v) => `« ${v} »`).join(', ')}` : null
    case 'identifier':
      return identifier.test(value) ? null : 'identifiant qui ne suit pas le format de la procédure'
    case 'siret': {
      const siret = validateSiret(value)
      return siret.ok && siret.value === value ? null : siret.ok ? 'SIRET à écrire en 14 chiffres sans espace' : siret.error.message
    }
    case 'count':
      return INTEGER.test(value) ? null : 'nombre entier positif ou nul attendu'
    case 'cents':
      return INTEGER.test(value) && value !== '0' ? null : 'montant en centimes attendu : entier strictement positif, sans virgule ni symbole'
    case 'date':
      return isIsoDate(value) ? null : 'date attendue au format AAAA-MM-JJ'
    case 'timestamp':
      return TIMESTAMP.test(value) && isIsoDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value)) ? null : 'date et heure attendues au format AAAA-MM-JJTHH:MM:SS+01:00'
  }
}

/** Every problem of one parsed data row (fields already split). */
export function checkRow(spec: LedgerFileSpec, fields: readonly string[], line: number, identifier: RegExp): RowProblem[] {
  if (fields.length !== spec.columns.length) {
    return [{ line, column: '', value: fields.join(LEDGER_DELIMITER).slice(0, 80), reason: `${fields.length} colonnes au lieu de ${spec.columns.length}` }]
  }
  const problems: RowProblem[] = []
  spec.columns.forEach((column, i) => {
    const value = fields[i] ?? ''
    const reason = checkValue(column.rule, value, identifier)
    if (reason) problems.push({ line, column: column.name, value: value.slice(0, 80), reason })
  })
  if (spec.kind === 'passes' && problems.length === 0 && (fields[6] ?? '') < (fields[4] ?? '')) {
    problems.push({ line, column: 'valid_until', value: fields[6] ?? '', reason: "fin de validité antérieure à la date d'émission" })
  }
  return problems
}

const quote = (value: string): string => `'${value.replace(/'/gu, "''")}'`

/**
 * The CHECK constraints of a fresh load table: the same rules as checkValue, so a COPY stops at
 * the first broken row and the report (checkRow) then lists them all.
 */
export function checkConstraints(spec: LedgerFileSpec): string[] {
  const checks: string[] = []
  for (const { name, rule } of spec.columns) {
    const c = `"${name}"`
    switch (rule.type) {
      case 'text':
        checks.push(rule.optional ? `${c} is null or ${c} <> ''` : `${c} <> ''`)
        if (rule.oneOf) checks.push(`${c} is null or ${c} in (${rule.oneOf.map(quote).join(', ')})`)
        break
      case 'identifier':
        // Not here: the passes' pattern is tested in the loader, on the bytes on their way to
        // COPY (PostgreSQL's regular expressions added half to the COPY's time). Scans and
        // payments must name an issued pass (a cross-row check), which follows the pattern.
        break
      case 'siret':
        // Only the shape here: the checksum is checked once per distinct SIRET after the COPY
        // (a few hundred), not once per row (hundreds of thousands).
        checks.push(`${c} ~ '^[0-9]{14}$'`)
        break
      case 'count':
        checks.push(`${c} >= 0`)
        break
      case 'cents':
        checks.push(`${c} > 0`)
        break
      default:
        break
    }
  }
  if (spec.kind === 'passes') checks.push(`"valid_until" >= "issue_date"`)
  return checks
}
