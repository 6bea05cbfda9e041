// Spreadsheet import: the file is kept as evidence, read, mapped column by column, validated row
// by row; nothing is imported while errors remain unless the person asks for the valid rows only.
import { buffer } from 'node:stream/consumers'
import type { EntityManager } from '@mikro-orm/postgresql'
import { sql } from 'kysely'
import { DomainError } from '../../errors.ts'
import { guessMapping, validateRows, type ColumnRole, type ImportResult } from '../../lib/claim-import.ts'
import { readTable, type SheetTable } from '../../lib/spreadsheet.ts'
import { reconcileClaim } from '../reconciliation/service.ts'
import { recordAudit } from '../audit/service.ts'
import type { AuditContext } from '../accounts/service.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { Procedure } from '../procedure/entities.ts'
import type { ClaimEntity, EvidenceEntity } from './entities.ts'
import { draftVersion, identifierRule } from './service.ts'

export const COLUMN_ROLES: { value: ColumnRole; label: string }[] = [
  { value: 'identifier', label: 'identifiant du pass' },
  { value: 'faceValue', label: 'valeur' },
  { value: 'serviceDate', label: "date d'utilisation" },
  { value: 'scanDate', label: 'date de scan' },
  { value: 'funder', label: 'commanditaire' },
  { value: 'ignore', label: '(ignorer)' },
]
const ROLE_VALUES = new Set(COLUMN_ROLES.map((r) => r.value))

export async function loadTable(store: EvidenceStore, evidence: EvidenceEntity): Promise<SheetTable> {
  const kind = evidence.mime.includes('spreadsheetml') ? 'xlsx' : evidence.mime === 'text/csv' ? 'csv' : null
  if (!kind) throw new DomainError('unsupported', 'not_a_spreadsheet', 'Ce fichier n’est pas un tableur (CSV ou XLSX) : il ne peut être importé.')
  const table = await readTable(new Uint8Array(await buffer(store.open(evidence.sha256))), kind)
  if (!table.ok) throw new DomainError('invalid', `spreadsheet_${table.error.code}`, table.error.message)
  return table.value
}

/** The mapping chosen in the form (col0=identifier…), or the one guessed from the header. */
export function chosenMapping(table: SheetTable, form: Record<string, unknown>): ColumnRole[] {
  const guessed = guessMapping(table.header)
  return table.header.map((_, i) => {
    const value = form[`col${i}`]
    return typeof value === 'string' && ROLE_VALUES.has(value as ColumnRole) ? (value as ColumnRole) : (guessed[i] ?? 'ignore')
  })
}

export type Preview = ImportResult & { alreadyDeclared: string[] }

export async function previewImport(em: EntityManager, claim: ClaimEntity, table: SheetTable, mapping: ColumnRole[]): Promise<Preview> {
  const procedure = await em.findOneOrFail(Procedure, { id: claim.procedureId })
  const version = await draftVersion(em, claim)
  const result = validateRows(table, mapping, { rule: identifierRule(procedure), defaultFaceValueCents: procedure.faceValueCents, judgmentDate: procedure.judgmentDate })
  const existing = await em.execute<{ identifier: string }[]>(
    // One JSON value rather than a list of parameters, whatever the number of rows.
    `select "identifier" from "claim_line"
      where "version_id" = ? and "kind" = 'pass' and "identifier" in (select jsonb_array_elements_text(?::jsonb))`,
    [version.id, JSON.stringify(result.lines.map((l) => l.identifier))],
  )
  return { ...result, alreadyDeclared: existing.map((r) => r.identifier) }
}

/**
 * Adds the valid rows in one statement. With errors, duplicates or passes already in the claim,
 * nothing is added unless `onlyValid` is set (then exactly the rows without a problem are).
 */
export async function commitImport(
  em: EntityManager,
  claim: ClaimEntity,
  evidence: EvidenceEntity,
  table: SheetTable,
  mapping: ColumnRole[],
  onlyValid: boolean,
  audit: AuditContext,
): Promise<{ imported: number; skipped: number }> {
  const preview = await previewImport(em, claim, table, mapping)
  const problems = preview.errors.length + preview.duplicates.length + preview.alreadyDeclared.length
  if (problems && !onlyValid) {
    throw new DomainError('invalid', 'import_has_errors', `${problems} problème(s) à corriger dans le fichier : rien n’a été importé. Corrigez le fichier, ou importez seulement les lignes valides.`)
  }
  const errorRows = new Set(preview.errors.map((e) => e.rowNumber))
  const declared = new Set(preview.alreadyDeclared)
  const lines = preview.lines.filter((l) => !errorRows.has(l.rowNumber) && !declared.has(l.identifier))
  if (!lines.length) throw new DomainError('invalid', 'import_nothing_valid', 'Aucune ligne valide à importer.')
  const version = await draftVersion(em, claim)
  const procedure = await em.findOneOrFail(Procedure, { id: claim.procedureId })
  const now = new Date()
  // One statement with one array per column: building a 10 000-row VALUES list as SQL text in
  // Node, and planning it, cost more than the insert itself (bench:import).
  const column = <T>(pick: (l: (typeof lines)[number]) => T) => lines.map(pick)
  await sql`
    insert into "claim_line" ("id", "version_id", "kind", "identifier", "face_value_cents", "face_value_reason", "service_date",
                              "scan_date", "funder", "after_judgment", "amount_cents", "source", "source_row", "evidence_id", "created_at")
    select gen_random_uuid(), ${version.id}::uuid, 'pass', t.identifier, t.cents, t.reason, t.service_date,
           t.scan_date, t.funder, t.after_judgment, t.cents, 'import', t.row_number, ${evidence.id}::uuid, ${now}::timestamptz
      from unnest(${column((l) => l.identifier)}::text[], ${column((l) => l.faceValueCents)}::bigint[],
                  ${column((l) => (l.faceValueCents !== procedure.faceValueCents ? `valeur indiquée dans ${evidence.originalName}, ligne ${l.rowNumber}` : null))}::text[],
                  ${column((l) => l.serviceDate)}::date[], ${column((l) => l.scanDate)}::date[], ${column((l) => l.funder)}::text[],
                  ${column((l) => l.afterJudgment)}::boolean[], ${column((l) => l.rowNumber)}::int[])
        as t(identifier, cents, reason, service_date, scan_date, funder, after_judgment, row_number)`.execute(em.getKysely())
  const skipped = table.rows.length - lines.length
  await recordAudit(em, { ...audit, action: 'claim.lines_imported', entityType: 'claim', entityId: claim.id, after: { evidenceId: evidence.id, sha256: evidence.sha256, imported: lines.length, skipped } })
  await reconcileClaim(em, claim.procedureId, claim.id)
  return { imported: lines.length, skipped }
}
