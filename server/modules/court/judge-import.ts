// The juge-commissaire's decisions in bulk, from the spreadsheet the registry or the liquidator's
// office keeps (CSV or XLSX, told apart by content): one row per claim — number, admitted,
// rejected, date, reference, and, where the judge noted a pending lawsuit or his lack of
// jurisdiction (L624-2), an optional "renvoyé" column. All or nothing: any bad row is named
// (row, column, reason) and nothing is written.
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError, type FieldError } from '../../errors.ts'
import { parseFrenchDate, todayInParis } from '../../lib/calendar.ts'
import { parseEuros } from '../../lib/money.ts'
import { readTable, type SheetFormat } from '../../lib/spreadsheet.ts'
import type { Actor } from '../audit/service.ts'
import { claimsForDecision, decisionProblems, recordJudgeDecision, type JudgeDecisionInput } from './judge-decisions.ts'

const COLUMNS = {
  number: { label: 'n° de déclaration', match: /d[ée]claration|num[ée]ro|^n°/iu },
  // Not "admission": the état des créances this product exports can come back filled in.
  admitted: { label: 'admis', match: /admis(?!sion)/iu },
  rejected: { label: 'rejeté', match: /rejet/iu },
  decidedOn: { label: 'date', match: /date/iu },
  reference: { label: 'référence', match: /r[ée]f/iu },
} as const
// Optional: most decisions only admit or reject; an absent column or an empty cell means nothing referred.
const REFERRED = { label: 'renvoyé', match: /renvo|instance|incomp/iu }
type Column = keyof typeof COLUMNS | 'referred'

export const MAX_DECISION_ROWS = 5000

export interface ImportedDecisions {
  readonly recorded: number
}

/** Reads, checks every row against its claim, then records them all in the caller's transaction. */
export async function importJudgeDecisions(em: EntityManager, bytes: Uint8Array, format: SheetFormat, procedureId: string, actor: Actor, requestId: string | null = null, now = new Date()): Promise<ImportedDecisions> {
  const table = await readTable(bytes, format)
  if (!table.ok) throw new DomainError('invalid', `spreadsheet_${table.error.code}`, table.error.message)
  const { header, rows } = table.value
  const index = {} as Record<Column, number>
  for (const [column, { label, match }] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, (typeof COLUMNS)[keyof typeof COLUMNS]][]) {
    const at = header.findIndex((h) => match.test(h))
    if (at < 0) throw new DomainError('invalid', 'judge_columns', `Colonne « ${label} » introuvable : la première ligne doit nommer n° de déclaration, admis, rejeté, date et référence (et, s’il y a lieu, renvoyé).`)
    index[column] = at
  }
  index.referred = header.findIndex((h) => REFERRED.match.test(h))
  if (rows.length > MAX_DECISION_ROWS) throw new DomainError('invalid', 'judge_too_many_rows', `Au plus ${MAX_DECISION_ROWS} lignes par fichier.`)
  const numbers = rows.map((r) => r.cells[index.number] ?? '')
  const claims = await em.execute<{ id: string; number: string }[]>(
    `select "id", "number" from "claim" where "procedure_id" = ? and "number" in (select jsonb_array_elements_text(?::jsonb))`,
    [procedureId, JSON.stringify(numbers)],
  )
  const idOf = new Map(claims.map((c) => [c.number, c.id]))
  const known = await claimsForDecision(em, claims.map((c) => c.id))
  const today = todayInParis(now)
  const problems: FieldError[] = []
  const seen = new Set<string>()
  const inputs: JudgeDecisionInput[] = []
  const at = (rowNumber: number, column: Column) => `ligne ${rowNumber}, colonne « ${header[index[column]] || (column === 'referred' ? REFERRED : COLUMNS[column]).label} »`
  for (const row of rows) {
    const cell = (column: Column) => (index[column] < 0 ? '' : (row.cells[index[column]] ?? ''))
    const number = cell('number')
    if (/^total\b/iu.test(number)) continue // the exported XLSX's totals row
    const claimId = idOf.get(number)
    if (!claimId) {
      problems.push({ path: at(row.rowNumber, 'number'), message: number ? `déclaration « ${number} » inconnue` : 'numéro manquant' })
      continue
    }
    if (seen.has(number)) {
      problems.push({ path: at(row.rowNumber, 'number'), message: `déclaration ${number} présente deux fois dans le fichier` })
      continue
    }
    seen.add(number)
    // A claim listed without any decision (the exported état, partly filled in) is not a decision.
    if ((['admitted', 'rejected', 'referred', 'decidedOn', 'reference'] as const).every((column) => cell(column) === '')) continue
    const admitted = parseEuros(cell('admitted'))
    const rejected = parseEuros(cell('rejected'))
    const referred = cell('referred') === '' ? ({ ok: true, value: 0 } as const) : parseEuros(cell('referred'))
    const date = parseFrenchDate(cell('decidedOn'))
    if (!admitted.ok) problems.push({ path: at(row.rowNumber, 'admitted'), message: admitted.error.message })
    if (!rejected.ok) problems.push({ path: at(row.rowNumber, 'rejected'), message: rejected.error.message })
    if (!referred.ok) problems.push({ path: at(row.rowNumber, 'referred'), message: referred.error.message })
    if (!date.ok) problems.push({ path: at(row.rowNumber, 'decidedOn'), message: date.error.message })
    if (!admitted.ok || !rejected.ok || !referred.ok || !date.ok) continue
    const input = { claimId, admittedCents: admitted.value, rejectedCents: rejected.value, referredCents: referred.value, decidedOn: date.value, reference: cell('reference'), source: 'spreadsheet' as const }
    const claim = known.get(claimId)
    // The same decision as the one in force (a file sent twice, the état sent back): nothing to record.
    const live = claim?.live
    if (live && live.admittedCents === input.admittedCents && live.rejectedCents === input.rejectedCents && live.referredCents === input.referredCents && live.decidedOn === input.decidedOn && live.reference === input.reference.trim()) continue
    const rowProblems = claim ? decisionProblems(input, claim, today) : []
    const columnOf: Record<string, Column> = { admitted: 'admitted', decidedOn: 'decidedOn', reference: 'reference', claim: 'number' }
    for (const p of rowProblems) problems.push({ path: at(row.rowNumber, columnOf[p.path] ?? 'number'), message: p.message })
    if (rowProblems.length === 0) inputs.push(input)
  }
  if (problems.length) {
    throw new DomainError('invalid', 'judge_import_invalid', `${problems.length} problème(s) dans le fichier : rien n’a été enregistré. Corrigez ces lignes puis envoyez le fichier de nouveau.`, problems)
  }
  for (const input of inputs) await recordJudgeDecision(em, input, actor, requestId, now)
  return { recorded: inputs.length }
}
