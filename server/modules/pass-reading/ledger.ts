// The issued passes a reading is checked against (the ledger module's current 'passes' version).
// Without a loaded ledger, identifiers are only checked against the pattern.
// An index of 1.1 million identifiers costs about 0.8 s and 80 MB: built once per ledger version
// and kept in memory until another version becomes current.
import type { EntityManager } from '@mikro-orm/postgresql'
import { currentVersionIds } from '../ledger/versions.ts'
import { createLedgerIndex, type LedgerIndex } from '../../lib/pass-reading.ts'

/** The current version of the issued passes of the procedure, or null when none is loaded. */
export async function currentLedgerVersion(em: EntityManager, procedureId: string): Promise<string | null> {
  return (await currentVersionIds(em, procedureId)).passes ?? null
}

/** Every issued identifier of that version. */
async function loadLedgerIdentifiers(em: EntityManager, versionId: string): Promise<string[]> {
  const rows = await em.execute<{ identifier: string }[]>(`select "identifier" from "ledger_pass" where "version_id" = ?`, [versionId])
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
    index = loadLedgerIdentifiers(em, versionId).then((ids) => createLedgerIndex(ids))
    index.catch(() => cache.delete(versionId))
    cache.set(versionId, index)
  }
  return { versionId, index: await index }
}

export function forgetLedgerIndexes(): void {
  cache.clear()
}
