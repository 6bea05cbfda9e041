// npm run bench:ledger — loading the national ledger (1 080 028 passes, 351 820 scans, 327 612
// payments, 81 commanditaires, the creditor list) through the product's loader (value: COPY into a
// fresh partition with CHECK constraints, cross-row checks, index, attach, version swap, audit),
// against `psql \copy` of the same files into bare tables on the same database (baseline). Median
// of ROUNDS rounds each. Goals (issue 6): ratio ≤ 1.3, peak RSS ≤ 300 MB.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { SYSTEM_ACTOR } from '../server/modules/audit/service.ts'
import { identifyFiles, runLoad } from '../server/modules/ledger/service.ts'
import { ensureNationalProcedure } from '../fixtures/national/seed.ts'
import { benchDatabase, ensureNationalFixture, median } from './lib/national.ts'

const ROUNDS = Number(process.env.ROUNDS ?? 3)
const FILES: readonly [string, string][] = [
  ['commanditaires.csv', 'id text, name text, type text, departement_code text, programme text, potential_passes int'],
  ['passes.csv', 'identifier text, carnet_id text, commanditaire_id text, programme text, issue_date date, face_value_cents bigint, valid_until date, carnet_state text'],
  ['scans.csv', 'identifier text, siret text, scanned_at timestamptz'],
  ['payments.csv', 'identifier text, siret text, amount_cents bigint, paid_at date, reference text'],
  ['creditor-list.csv', 'siret text, amount_cents bigint'],
]

const dir = ensureNationalFixture()
const db = await benchDatabase()
try {
  const em = db.runtime.orm.em.fork()
  const procedureId = await ensureNationalProcedure(em)
  const psqlUrl = db.url

  const baseline = (round: number): number => {
    const script = FILES.map(([file, columns], i) => {
      const table = `bare_${round}_${i}`
      return `create table ${table} (${columns});\n\\copy ${table} from '${join(dir, file)}' with (format csv, header true, delimiter ';')`
    }).join('\n')
    const started = performance.now()
    execFileSync('psql', [psqlUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-c', 'select 1', '-f', '-'], { input: script, stdio: ['pipe', 'ignore', 'inherit'] })
    return performance.now() - started
  }

  const ours = async (): Promise<{ ms: number; rows: number }> => {
    const files = await identifyFiles(FILES.map(([name]) => ({ path: join(dir, name), name })))
    const started = performance.now()
    const result = await runLoad(em, db.url, { procedureId, files, actor: SYSTEM_ACTOR })
    const ms = performance.now() - started
    if (!result.ok) throw new Error(`load refused: ${JSON.stringify(result.reports).slice(0, 500)}`)
    return { ms, rows: result.versions.reduce((n, v) => n + v.rows, 0) }
  }

  const base: number[] = []
  const value: number[] = []
  let rows = 0
  for (let round = 0; round < ROUNDS; round++) {
    const b = baseline(round)
    const o = await ours()
    base.push(b)
    value.push(o.ms)
    rows = o.rows
    console.log(`round ${round + 1}: psql \\copy ${b.toFixed(0)} ms, ledger:load ${o.ms.toFixed(0)} ms (${rows} rows)`)
  }
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024)
  const v = median(value)
  const bl = median(base)
  console.log(`ledger load: median ${v.toFixed(0)} ms for ${rows} rows (${Math.round(rows / (v / 1000))} rows/s); psql \\copy median ${bl.toFixed(0)} ms`)
  console.log(`peak RSS of this process (runtime + loader): ${rssMb} MB (goal ≤ 300 MB)`)
  console.log(JSON.stringify({ bench: 'ledger', value: Math.round(v), unit: 'ms', baseline: Math.round(bl), ratio: Number((v / bl).toFixed(2)), peak_rss_mb: rssMb }))
} finally {
  await db.stop()
}
