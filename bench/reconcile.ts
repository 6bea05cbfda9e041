// npm run bench:reconcile — reconciling the national fixture's ~350 000 declared passes against
// the ledger (value: the product's reconcileProcedure — statuses of DOMAIN §5 with their
// precedence, proposals, judgment split, duplicates across claims, near matches for unknowns,
// upserted into line_reconciliation), against one hand-written SQL join of the same lines with
// the ledger's passes, scans and payments, materialised into a table (baseline). Median of ROUNDS.
// Goal (issue 6): ratio ≤ 1.5.
import { sql, type Kysely } from 'kysely'
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
  const v = median(value)
  const bl = median(base)
  console.log(`reconciliation: median ${v.toFixed(0)} ms for ${lines} lines (${Math.round(lines / (v / 1000))} lines/s); one SQL join median ${bl.toFixed(0)} ms`)
  console.log(JSON.stringify({ bench: 'reconcile', value: Math.round(v), unit: 'ms', baseline: Math.round(bl), ratio: Number((v / bl).toFixed(2)) }))
} finally {
  await db.stop()
}

async function procedureIdOf(em: { execute: <T>(q: string) => Promise<T> }): Promise<string> {
  const [row] = await em.execute<{ id: string }[]>(`select "id" from "procedure" where "code" = 'aptic-2024'`)
  if (!row) throw new Error('no procedure')
  return row.id
}
