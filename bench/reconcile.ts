// npm run bench:reconcile — reconciling the national fixture's ~350 000 declared passes against
// the ledger (value: the product's reconcileProcedure — statuses of DOMAIN §5 with their
// precedence, proposals, judgment split, duplicates across claims, near matches for unknowns,
// upserted into line_reconciliation), against one hand-written SQL join of the same lines with
// the ledger's passes, scans and payments, materialised into a table (baseline). Median of ROUNDS.
// Goal (issue 6): ratio ≤ 1.5. Then one claim after an edit, 20 times (goal: within a second).
import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type Kysely } from 'kysely'
import { SYSTEM_ACTOR } from '../server/modules/audit/service.ts'
import { Claim } from '../server/modules/claims/entities.ts'
import { addPassLine } from '../server/modules/claims/service.ts'
import { reconcileProcedure } from '../server/modules/reconciliation/service.ts'
import { loadNationalFixture } from '../fixtures/national/seed.ts'
import { benchDatabase, ensureNationalFixture, median } from './lib/national.ts'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const dir = ensureNationalFixture()
const db = await benchDatabase()
try {
  const em = db.runtime.orm.em.fork()
  const loaded = await loadNationalFixture(em, db.url, dir)
  if (!loaded.ledger.ok) throw new Error('ledger refused')
  console.log(`national fixture loaded: ${loaded.lines} declared pass lines`)
  const kysely = em.getKysely() as unknown as Kysely<unknown>
  const procedureId = await procedureIdOf(em)

  const baseline = async (round: number): Promise<number> => {
    const started = performance.now()
    await sql.raw(`
      create table "bare_join_${round}" as
      select l."id", l."identifier", p."face_value_cents", p."valid_until", sc."siret", pm."amount_cents"
      from "claim" c
      join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
      join "claim_line" l on l."version_id" = v."id"
      left join "ledger_pass" p on p."identifier" = l."identifier"
        and p."version_id" = (select "id" from "ledger_version" where "kind" = 'passes' and "status" = 'current')
      left join "ledger_scan" sc on sc."identifier" = l."identifier"
        and sc."version_id" = (select "id" from "ledger_version" where "kind" = 'scans' and "status" = 'current')
      left join "ledger_payment" pm on pm."identifier" = l."identifier"
        and pm."version_id" = (select "id" from "ledger_version" where "kind" = 'payments' and "status" = 'current')`).execute(kysely)
    return performance.now() - started
  }
  const ours = async (): Promise<{ ms: number; lines: number }> => {
    const started = performance.now()
    const lines = await em.fork().transactional((tx) => reconcileProcedure(tx, procedureId))
    return { ms: performance.now() - started, lines }
  }
  const base: number[] = []
  const value: number[] = []
  let lines = 0
  for (let round = 0; round < ROUNDS; round++) {
    const b = await baseline(round)
    const o = await ours()
    base.push(b)
    value.push(o.ms)
    lines = o.lines
    console.log(`round ${round + 1}: hand-written join ${b.toFixed(0)} ms, reconciliation ${o.ms.toFixed(0)} ms (${lines} lines)`)
  }
  const edits = await editOneClaim(em)
  const v = median(value)
  const bl = median(base)
  console.log(`reconciliation: median ${v.toFixed(0)} ms for ${lines} lines (${Math.round(lines / (v / 1000))} lines/s); one SQL join median ${bl.toFixed(0)} ms`)
  console.log(`one claim after an edit (goal: within a second): median ${median(edits).toFixed(0)} ms, slowest ${Math.max(...edits).toFixed(0)} ms over ${edits.length} edits`)
  console.log(JSON.stringify({ bench: 'reconcile', value: Math.round(v), unit: 'ms', baseline: Math.round(bl), ratio: Number((v / bl).toFixed(2)), edit_median_ms: Math.round(median(edits)), edit_max_ms: Math.round(Math.max(...edits)) }))
} finally {
  await db.stop()
}

/**
 * A structure's edit at national scale: a pass line added to each of the 20 largest claims through
 * the claims service, timed over its whole transaction (checks, insert, audit, the claim's
 * reconciliation and that of the other claims' lines sharing its identifiers, commit).
 * Alternately a pass another claim declares and an identifier the ledger does not know.
 */
async function editOneClaim(em: EntityManager): Promise<number[]> {
  const claims = await em.execute<{ id: string; lines: number; elsewhere: string; unknown: string }[]>(`
    select c."id", count(*)::int as "lines",
      (select r."identifier" from "line_reconciliation" r where r."claim_id" <> c."id" and r."status" = 'unscanned_known'
       order by r."identifier" offset abs(hashtext(c."id"::text)) % 1000 limit 1) as "elsewhere",
      -- No programme 99: the ledger does not know it, and its near matches are looked for.
      'PN99Z' || lpad((abs(hashtext(c."id"::text)) % 10000000)::text, 7, '0') as "unknown"
    from "claim" c join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
    join "claim_line" l on l."version_id" = v."id"
    where c."status" = 'draft' group by c."id" order by count(*) desc, c."id" limit 20`)
  const times: number[] = []
  for (const [i, c] of claims.entries()) {
    const started = performance.now()
    await em.fork().transactional(async (tx) => {
      const claim = await tx.findOneOrFail(Claim, { id: c.id })
      await addPassLine(tx, claim, { identifier: i % 2 ? c.elsewhere : c.unknown }, { actor: SYSTEM_ACTOR, requestId: null })
    })
    times.push(performance.now() - started)
  }
  console.log(`edits: ${claims.length} claims of ${claims.at(-1)?.lines}–${claims[0]?.lines} lines; ${times.map((t) => t.toFixed(0)).join(', ')} ms`)
  return times
}

async function procedureIdOf(em: { execute: <T>(q: string) => Promise<T> }): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(`select "id" from "procedure" where "code" = 'aptic-2024'`)
  if (!row) throw new Error('no procedure')
  return row.id
}
