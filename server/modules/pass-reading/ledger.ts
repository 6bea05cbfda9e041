// The issued passes a reading is checked against. The ledger belongs to the ledger module (its
// tables, its loads); this is the one place reading asks for it, by SQL, so that reading works
// before any ledger is loaded (null: identifiers are then only checked against the pattern).
// An index of 1.1 million identifiers costs about 0.8 s and 80 MB: built once per ledger version
// and kept in memory until another version becomes current.
import type { EntityManager } from '@mikro-orm/postgresql'
import { createLedgerIndex, type LedgerIndex } from '../../lib/pass-reading.ts'

type LedgerShape = { passVersionColumn: string; versionKind: boolean }

/**
 * Null while the ledger's tables do not exist. The ledger module is being written alongside:
 * its pass table names the version `version_id` (or `ledger_version_id`), and its versions may
 * carry a `kind` (one current version per kind: the issued passes are kind 'passes').
 */
async function ledgerShape(em: EntityManager): Promise<LedgerShape | null> {
  const [row] = await em.execute<{ pass: string | null; version: string | null }[]>(
    `select to_regclass('ledger_pass')::text as pass, to_regclass('ledger_version')::text as version`,
  )
  if (!row?.pass || !row.version) return null
  const columns = await em.execute<{ table_name: string; column_name: string }[]>(
    `select table_name, column_name from information_schema.columns
      where table_schema = current_schema() and table_name in ('ledger_pass', 'ledger_version')
        and column_name in ('version_id', 'ledger_version_id', 'kind')`,
  )
  const has = (table: string, column: string) => columns.some((c) => c.table_name === table && c.column_name === column)
  const passVersionColumn = has('ledger_pass', 'ledger_version_id') ? 'ledger_version_id' : has('ledger_pass', 'version_id') ? 'version_id' : null
  if (!passVersionColumn) return null
  return { passVersionColumn, versionKind: has('ledger_version', 'kind') }
}

const currentVersionWhere = (shape: LedgerShape) => `v.procedure_id = ? and v.status = 'current'${shape.versionKind ? ` and v.kind = 'passes'` : ''}`

/** The current ledger version of the procedure, or null when none is loaded (or no ledger yet). */
export async function currentLedgerVersion(em: EntityManager, procedureId: string): Promise<string | null> {
  const shape = await ledgerShape(em)
  if (!shape) return null
  const [row] = await em.execute<{ id: string }[]>(`select v.id from ledger_version v where ${currentVersionWhere(shape)} order by v.id limit 1`, [procedureId])
  return row?.id ?? null
}

/** Every issued identifier of the procedure's current ledger; null without one. */
export async function loadLedgerIdentifiers(em: EntityManager, procedureId: string): Promise<string[] | null> {
  const shape = await ledgerShape(em)
  if (!shape || (await currentLedgerVersion(em, procedureId)) === null) return null
  const rows = await em.execute<{ identifier: string }[]>(
    `select p.identifier from ledger_pass p join ledger_version v on v.id = p.${shape.passVersionColumn} where ${currentVersionWhere(shape)}`,
    [procedureId],
  )
  return rows.map((r) => r.identifier)
}

const cache = new Map<string, Promise<LedgerIndex | null>>()

/** The index of the current ledger, built once per version; null without a ledger. */
export async function ledgerIndex(em: EntityManager, procedureId: string): Promise<{ versionId: string | null; index: LedgerIndex | null }> {
  const versionId = await currentLedgerVersion(em, procedureId)
  if (versionId === null) return { versionId: null, index: null }
  let index = cache.get(versionId)
  if (!index) {
    // Only the current version is worth keeping: drop the others' memory.
    cache.clear()
    index = loadLedgerIdentifiers(em, procedureId).then((ids) => (ids ? createLedgerIndex(ids) : null))
    index.catch(() => cache.delete(versionId))
    cache.set(versionId, index)
  }
  return { versionId, index: await index }
}

export function forgetLedgerIndexes(): void {
  cache.clear()
}
