// Reconciliation: every declared pass checked against the operator's ledger (DOMAIN §5).
// Whole procedure after a ledger load; one claim (and the claims sharing its identifiers) after an edit.

import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type Kysely } from 'kysely'
import { currentVersionIds } from '../ledger/versions.ts'
import { suggestNearMatches } from './near-matches.ts'
import { claimsDeclaring, dropStale, reconciledIdentifiers, reconcileSql, trace, type LedgerVersions } from './sql.ts'

export const STATUSES = ['matched', 'unscanned_known', 'scanned_elsewhere', 'already_paid', 'unknown', 'duplicate_declared', 'expired_at_use', 'value_mismatch'] as const
export type ReconciliationStatus = (typeof STATUSES)[number]

async function ledgerVersions(em: EntityManager, procedureId: string): Promise<LedgerVersions | null> {
  const current = await currentVersionIds(em, procedureId)
  return current.passes ? { passes: current.passes, scans: current.scans ?? null, payments: current.payments ?? null } : null
}

const DECLARATION_TABLES = ['claim', 'claim_version', 'claim_line', 'structure', 'evidence']

/**
 * Statistics of the declaration tables, taken again where a fifth of a table changed since (a
 * national fixture or a wave of imports, say) and autovacuum has not caught up: with a stale
 * count the planner takes 350 000 lines for 60 and builds a plan that sorts them three times.
 */
async function freshStatistics(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<{ name: string }>`
    select "relname" as "name" from pg_stat_user_tables
    where "relname" = any(${DECLARATION_TABLES}::text[]) and "schemaname" = current_schema()
      and (coalesce("last_analyze", "last_autoanalyze") is null or "n_mod_since_analyze" > 0.2 * greatest("n_live_tup", 1000))
  `.execute(db)
  for (const { name } of rows) await sql`analyze ${sql.table(name)}`.execute(db)
}

/** Every declared pass of the procedure, set-based; returns the number of lines given a status. */
export async function reconcileProcedure(em: EntityManager, procedureId: string): Promise<number> {
  const db = em.getKysely() as unknown as Kysely<unknown>
  const versions = await ledgerVersions(em, procedureId)
  if (versions === null) return 0
  // Hash joins over a million ledger rows want their tables in memory (this transaction only).
  await sql`set local work_mem = '256MB'`.execute(db)
  // JIT compiling this wide statement costs more than it saves (about a second here).
  await sql`set local jit = off`.execute(db)
  let since = performance.now()
  await freshStatistics(db)
  trace('statistics', since)
  since = performance.now()
  const count = await reconcileSql(db, procedureId, versions, null)
  trace('statuses', since)
  since = performance.now()
  await suggestNearMatches(db, procedureId, versions.passes, null)
  trace('near matches', since)
  return count
}

/**
 * One claim after an edit, in the edit's transaction. Its lines all get a status again (an added
 * piece of evidence changes them all). Another claim's line can only change where it shares an
 * identifier the claim declares or declared (its being declared twice, or no longer): only those
 * lines of the other claims are reconciled again. Whole neighbour claims took 0.5–0.8 s for a
 * claim of 1 300 lines sharing passes with twenty others (bench:reconcile measures an edit).
 */
export async function reconcileClaim(em: EntityManager, procedureId: string, claimId: string): Promise<number> {
  const db = em.getKysely() as unknown as Kysely<unknown>
  const versions = await ledgerVersions(em, procedureId)
  if (versions === null) return 0
  let since = performance.now()
  const before = await reconciledIdentifiers(db, procedureId, claimId)
  await dropStale(db, procedureId, [claimId])
  await reconcileSql(db, procedureId, versions, [claimId])
  trace('claim: statuses', since)
  since = performance.now()
  const shared = [...new Set([...before, ...(await reconciledIdentifiers(db, procedureId, claimId))])]
  const others = await claimsDeclaring(db, procedureId, shared, claimId)
  if (others.length > 0) await reconcileSql(db, procedureId, versions, others, shared)
  trace(`claim: shared lines of ${others.length} other claims`, since)
  since = performance.now()
  await suggestNearMatches(db, procedureId, versions.passes, [claimId, ...others])
  trace('claim: near matches', since)
  return others.length + 1
}
