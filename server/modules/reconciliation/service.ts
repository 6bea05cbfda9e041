// Reconciliation: every declared pass checked against the operator's ledger (DOMAIN §5).
// Whole procedure after a ledger load; one claim (and the claims sharing its identifiers) after an edit.

import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type Kysely } from 'kysely'
import { nearVariants, rankNeighbours } from '../../lib/near-matches.ts'
import { positionClasses } from '../../lib/pass-reading-classes.ts'
import type { IdentifierRule } from '../../lib/pass-identifier.ts'
import { currentVersionIds } from '../ledger/versions.ts'
import { dropStale, neighbourClaims, reconcileSql, type LedgerVersions } from './sql.ts'

// RECONCILE_TRACE=1 prints where a whole-procedure run spends its time.
const trace = process.env.RECONCILE_TRACE ? (label: string, since: number) => console.log(`  [reconcile] ${label} ${(performance.now() - since).toFixed(0)} ms`) : () => {}

export const STATUSES = ['matched', 'unscanned_known', 'scanned_elsewhere', 'already_paid', 'unknown', 'duplicate_declared', 'expired_at_use', 'value_mismatch'] as const
export type ReconciliationStatus = (typeof STATUSES)[number]

async function ledgerVersions(em: EntityManager, procedureId: string): Promise<LedgerVersions | null> {
  const current = await currentVersionIds(em, procedureId)
  return current.passes ? { passes: current.passes, scans: current.scans ?? null, payments: current.payments ?? null } : null
}

async function procedureRule(db: Kysely<unknown>, procedureId: string): Promise<IdentifierRule> {
  const { rows } = await sql<{ pattern: string; uppercase: boolean; strip: boolean; example: string }>`
    select "identifier_pattern" as "pattern", "identifier_uppercase" as "uppercase", "identifier_strip_separators" as "strip",
           "identifier_example" as "example" from "procedure" where "id" = ${procedureId}
  `.execute(db)
  const row = rows[0]
  if (!row) throw new Error(`procedure ${procedureId} not found`)
  return { pattern: row.pattern, uppercase: row.uppercase, stripSeparators: row.strip, example: row.example }
}

/** Near matches for the lines found unknown: one slip away from an issued identifier. */
async function suggestNearMatches(db: Kysely<unknown>, procedureId: string, passesVersion: string, claimIds: readonly string[] | null): Promise<void> {
  const { rows: unknown } = await sql<{ claim_line_id: string; identifier: string }>`
    select "claim_line_id", "identifier" from "line_reconciliation"
    where "procedure_id" = ${procedureId} and "status" = 'unknown'
      and (${claimIds === null} or "claim_id" = any(${claimIds ?? []}::uuid[]))
  `.execute(db)
  if (unknown.length === 0) return
  const classes = positionClasses(await procedureRule(db, procedureId))
  const lineIds: string[] = []
  const candidates: string[] = []
  for (const { claim_line_id: id, identifier } of unknown) {
    for (const variant of nearVariants(identifier, classes)) {
      lineIds.push(id)
      candidates.push(variant)
    }
  }
  const { rows: found } = await sql<{ line_id: string; identifier: string }>`
    select v."line_id", p."identifier" from unnest(${lineIds}::uuid[], ${candidates}::text[]) as v("line_id", "candidate")
    join "ledger_pass" p on p."version_id" = ${passesVersion}::uuid and p."identifier" = v."candidate"
  `.execute(db)
  const byLine = new Map<string, string[]>()
  for (const { line_id: id, identifier } of found) byLine.set(id, [...(byLine.get(id) ?? []), identifier])
  const ids: string[] = []
  const lists: string[] = []
  for (const { claim_line_id: id, identifier } of unknown) {
    const near = byLine.get(id)
    if (!near) continue
    ids.push(id)
    // A text[] per row does not travel in a parameter array of arrays: join, split in SQL.
    lists.push(rankNeighbours(identifier, near).join(' '))
  }
  if (ids.length === 0) return
  await sql`
    update "line_reconciliation" r set "suggestions" = string_to_array(u."list", ' ')
    from unnest(${ids}::uuid[], ${lists}::text[]) as u("id", "list") where r."claim_line_id" = u."id"
  `.execute(db)
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
 * One claim after an edit, in the edit's transaction, with the claims whose lines share one of its
 * identifiers (a pass declared twice, or no longer): their statuses depend on this claim's lines.
 */
export async function reconcileClaim(em: EntityManager, procedureId: string, claimId: string): Promise<number> {
  const db = em.getKysely() as unknown as Kysely<unknown>
  const versions = await ledgerVersions(em, procedureId)
  if (versions === null) return 0
  // Before: claims that were held as duplicates with this one; after: claims that now are.
  const before = await neighbourClaims(db, procedureId, [claimId])
  await dropStale(db, procedureId, [claimId])
  await reconcileSql(db, procedureId, versions, [claimId])
  const after = await neighbourClaims(db, procedureId, [claimId])
  const others = [...new Set([...before, ...after])]
  if (others.length > 0) await reconcileSql(db, procedureId, versions, others)
  await suggestNearMatches(db, procedureId, versions.passes, [claimId, ...others])
  return others.length + 1
}
