// The operator's ledger and the reconciliation (issue 6), on the small national plan: every
// declared line gets the status the generator injected; a file with bad rows is refused whole with
// every bad row named while the previous version keeps answering; a killed load changes nothing;
// nothing is admitted twice, even concurrently.
import { spawn, execFileSync } from 'node:child_process'
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadNationalFixture } from '../../fixtures/national/seed.ts'
import { SYSTEM_ACTOR } from '../../server/modules/audit/service.ts'
import { addPassLine, deleteLine, updatePassLine } from '../../server/modules/claims/service.ts'
import { reconcileProcedure } from '../../server/modules/reconciliation/service.ts'
import { Claim } from '../../server/modules/claims/entities.ts'
import { identifyFiles, runLoad } from '../../server/modules/ledger/service.ts'
import { decideLine } from '../../server/modules/review/decisions.ts'
import { nearMatchesOfUnknown } from '../../server/modules/reconciliation/near-matches.ts'
import { nearVariants } from '../../server/lib/near-matches.ts'
import { positionClasses } from '../../server/lib/pass-reading-classes.ts'
import type { Kysely } from 'kysely'
import { markSubmitted } from '../helpers/claims.ts'
import { createRuntime } from '../../server/runtime.ts'
import { testConfig } from '../helpers/app.ts'

const config = await testConfig(t)
const runtime = await createRuntime(config, { supervise: false })
t.teardown(() => runtime.stop())
const dir = mkdtempSync(join(tmpdir(), 'creances-ledger-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
execFileSync(process.execPath, ['fixtures/national/cli.ts', '--small', '--out', dir], { stdio: 'ignore' })
const loaded = await loadNationalFixture(runtime.orm.em.fork(), runtime.databaseUrl, dir)
const em = () => runtime.orm.em.fork()
const procedureId = (await em().execute<{ id: string }[]>(`select "id" from "procedure" limit 1`))[0]?.id as string

const currentPasses = async () =>
  (await em().execute<{ id: string; rows: number }[]>(`select "id", "rows" from "ledger_version" where "kind" = 'passes' and "status" = 'current'`))[0]

t.test('every declared pass gets exactly the status the fixture injected', async (t) => {
  t.ok(loaded.ledger.ok, 'the ledger loads')
  t.ok(loaded.lines > 3000, `${loaded.lines} lines declared`)
  t.equal(loaded.reconciled, loaded.lines, 'each line reconciled once')
  await em().execute(`create table "expected_line" ("siret" text, "identifier" text, "cents" bigint, "service_date" date, "expected" text)`)
  const client = (await import('pg')).default
  const c = new client.Client({ connectionString: runtime.databaseUrl })
  await c.connect()
  const { from } = await import('pg-copy-streams')
  const { pipeline } = await import('node:stream/promises')
  const { createReadStream } = await import('node:fs')
  await pipeline(createReadStream(join(dir, 'claim-lines.csv')), c.query(from(`copy "expected_line" from stdin with (format csv, header true, delimiter ';')`)))
  await c.end()
  const [row] = await em().execute<{ agree: string; disagree: string; statuses: string }[]>(`
    select count(*) filter (where r."status" = e."expected") as "agree", count(*) filter (where r."status" is distinct from e."expected") as "disagree",
           count(distinct r."status") as "statuses"
    from "expected_line" e join "structure" s on s."siret" = e."siret" join "claim" c on c."structure_id" = s."id"
    join "claim_version" v on v."claim_id" = c."id" join "claim_line" l on l."version_id" = v."id" and l."identifier" = e."identifier"
    left join "line_reconciliation" r on r."claim_line_id" = l."id"`)
  t.equal(Number(row?.disagree), 0, 'no line disagrees with the injected truth')
  t.equal(Number(row?.agree), loaded.lines)
  t.equal(Number(row?.statuses), 8, 'all eight statuses of DOMAIN §5 occur')
  const [unknown] = await em().execute<{ n: string; with_suggestion: string }[]>(
    `select count(*) as "n", count(*) filter (where "suggestions" is not null) as "with_suggestion" from "line_reconciliation" where "status" = 'unknown'`,
  )
  t.equal(unknown?.with_suggestion, unknown?.n, 'every unknown identifier gets a near match (one slip away)')
  // The set-based lookup finds exactly the issued identifiers among lib/near-matches' variants.
  const [rule] = await em().execute<{ pattern: string }[]>(`select "identifier_pattern" as "pattern" from "procedure" where "id" = ?`, [procedureId])
  const classes = positionClasses({ pattern: rule?.pattern ?? '', uppercase: true, stripSeparators: true, example: '' })
  const version = (await currentPasses())?.id as string
  const found = await em().transactional((tx) => nearMatchesOfUnknown(tx.getKysely() as unknown as Kysely<unknown>, procedureId, version, null))
  t.equal(found.size, Number(unknown?.n), 'a near match for each unknown line')
  for (const { identifier, near } of [...found.values()].slice(0, 25)) {
    const issued = await em().execute<{ identifier: string }[]>(
      `select "identifier" from "ledger_pass" where "version_id" = ? and "identifier" in (?)`, [version, nearVariants(identifier, classes)])
    t.same([...near].sort(), issued.map((r) => r.identifier).sort(), `near matches of ${identifier}`)
  }
  const [after] = await em().execute<{ n: string }[]>(`select count(*) as "n" from "line_reconciliation" where "after_judgment"`)
  t.ok(Number(after?.n) > 0, 'passes used after the judgment are flagged')
})

t.test('an edit reconciles its claim at once, and the claims that share an identifier', async (t) => {
  const [pair] = await em().execute<{ identifier: string; claim_id: string; other: string }[]>(`
    select r."identifier", r."claim_id", (select c2."id" from "claim" c2 where c2."id" <> r."claim_id" limit 1) as "other"
    from "line_reconciliation" r where r."status" = 'unscanned_known' limit 1`)
  if (!pair) return t.fail('no unscanned line')
  const fork = em()
  await fork.transactional(async (tx) => {
    const other = await tx.findOneOrFail(Claim, { id: pair.other })
    await addPassLine(tx, other, { identifier: pair.identifier }, { actor: SYSTEM_ACTOR, requestId: null })
  })
  const rows = await em().execute<{ claim_id: string; status: string }[]>(`select "claim_id", "status" from "line_reconciliation" where "identifier" = ?`, [pair.identifier])
  t.equal(rows.length, 2)
  t.ok(rows.every((r) => r.status === 'duplicate_declared'), 'both declarations are held as duplicates')

  // The line's identifier changed, then the line deleted: each time only the lines sharing an
  // identifier are reconciled again, and the result is what reconciling everything gives.
  const snapshot = async () =>
    (await em().execute<{ line: string; state: string }[]>(`
      select "claim_line_id" as "line", concat_ws('|', "identifier", "status", "proposal", "other_claim_ids"::text, "suggestions"::text, "proposed_cents") as "state"
      from "line_reconciliation" order by 1`)).map((r) => `${r.line} ${r.state}`)
  const [added] = await em().execute<{ id: string }[]>(
    `select l."id" from "claim_line" l join "claim_version" v on v."id" = l."version_id" where v."claim_id" = ? and l."identifier" = ?`, [pair.other, pair.identifier])
  const [third] = await em().execute<{ identifier: string }[]>(`select "identifier" from "line_reconciliation" where "status" = 'matched' and "claim_id" <> ? limit 1`, [pair.other])
  await em().transactional(async (tx) => {
    const other = await tx.findOneOrFail(Claim, { id: pair.other })
    await updatePassLine(tx, other, added?.id as string, { identifier: third?.identifier as string }, { actor: SYSTEM_ACTOR, requestId: null })
  })
  const [first] = await em().execute<{ status: string }[]>(`select "status" from "line_reconciliation" where "identifier" = ? and "claim_id" = ?`, [pair.identifier, pair.claim_id])
  t.equal(first?.status, 'unscanned_known', 'the first declaration is alone again')
  const moved = await em().execute<{ status: string }[]>(`select "status" from "line_reconciliation" where "identifier" = ?`, [third?.identifier])
  t.same(moved.map((r) => r.status).sort(), ['matched', 'scanned_elsewhere'], 'the scanning structure keeps its pass; the other declaration is scanned elsewhere')
  await em().transactional(async (tx) => {
    const other = await tx.findOneOrFail(Claim, { id: pair.other })
    await deleteLine(tx, other, added?.id as string, { actor: SYSTEM_ACTOR, requestId: null })
  })
  const incremental = await snapshot()
  await em().transactional((tx) => reconcileProcedure(tx, procedureId))
  const whole = await snapshot()
  t.equal(incremental.length, whole.length)
  t.same(incremental.filter((line, i) => line !== whole[i]).slice(0, 5), [], 'edit by edit, the statuses are those of a whole reconciliation')
})

t.test('nothing is admitted twice: two concurrent admissions of one pass, exactly one succeeds', async (t) => {
  const [dup] = await em().execute<{ identifier: string; ids: string[] }[]>(`
    select "identifier", array_agg("claim_line_id") as "ids" from "line_reconciliation" where "status" = 'duplicate_declared'
    group by 1 having count(*) = 2 limit 1`)
  if (!dup) return t.fail('no duplicate pair')
  const owners = await em().execute<{ claim_id: string }[]>(`select "claim_id" from "line_reconciliation" where "claim_line_id" = any(?::uuid[])`, [`{${dup.ids.join(',')}}`])
  await markSubmitted(em(), owners.map((o) => o.claim_id))
  const results = await Promise.allSettled(
    dup.ids.map((lineId) => em().transactional((tx) => decideLine(tx, { lineId, decision: 'admit' }, SYSTEM_ACTOR))),
  )
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one admission')
  const refused = results.find((r) => r.status === 'rejected')
  t.match(refused && 'reason' in refused ? String(refused.reason) : '', /déjà admis/)
  const [count] = await em().execute<{ n: string }[]>(`select count(*) as "n" from "line_decision" where "identifier" = ? and "decision" = 'admit'`, [dup.identifier])
  t.equal(Number(count?.n), 1)
  await t.rejects(
    em().execute(`insert into "line_decision" ("claim_line_id", "procedure_id", "claim_id", "identifier", "decision", "decided_at")
      select ?, "procedure_id", "claim_id", "identifier", 'admit', now() from "line_decision" where "identifier" = ?`, [dup.ids[1], dup.identifier]),
    /line_decision_admitted_once|duplicate key/,
    'the database itself refuses a second admission',
  )
})

t.test('reading passes from scans snaps to the loaded ledger', async (t) => {
  const { ledgerIndex } = await import('../../server/modules/pass-reading/ledger.ts')
  const { snapToLedger } = await import('../../server/lib/pass-reading.ts')
  const current = await currentPasses()
  const { versionId, index } = await ledgerIndex(em(), procedureId)
  t.equal(versionId, current?.id, 'the current version of the issued passes')
  t.equal(index?.size, current?.rows, 'every issued identifier is indexed')
  const [pass] = await em().execute<{ identifier: string }[]>(`select "identifier" from "ledger_pass" where "version_id" = ? limit 1`, [current?.id])
  const issued = pass?.identifier ?? ''
  // The classic OCR confusion: a 0 of the number read as the letter O.
  const misread = issued.replace(/0(?=\d*$)/u, 'O')
  if (index) t.same(snapToLedger(misread, index).identifier, issued, `${misread} → ${issued}`)
})

/** A passes file of `rows` rows following the fixture's conventions, with bad rows at given lines. */
async function passesFile(path: string, rows: number, bad: ReadonlyMap<number, string>): Promise<void> {
  const out = createWriteStream(path)
  let chunk = 'identifier;carnet_id;commanditaire_id;programme;issue_date;face_value_cents;valid_until;carnet_state\n'
  for (let i = 1; i <= rows; i++) {
    const line = i + 1
    chunk += bad.get(line) ?? `PN19Z${String(i).padStart(7, '0')};K19${String(Math.ceil(i / 10)).padStart(6, '0')};C001;AAP 2019;2019-11-19;1000;2019-12-31;issued`
    chunk += '\n'
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end(chunk)
  await once(out, 'finish')
}

t.test('a million-row file with 3 bad rows is refused whole, the report names them, the previous version answers', async (t) => {
  const before = await currentPasses()
  const path = join(dir, 'passes-bad.csv')
  const bad = new Map([
    [123_457, 'PN19Z0123456;K19012346;C001;AAP 2019;2019-02-30;1000;2019-12-31;issued'],
    [500_001, 'PN19Z0500000;K19050000;C001;AAP 2019;2019-11-19;dix euros;2019-12-31;issued'],
    [999_999, 'PN19Z0999998;K19099999;C001;AAP 2019;2019-11-19;1000;2019-12-31;perdu'],
  ])
  await passesFile(path, 1_000_000, bad)
  const files = await identifyFiles([{ path, name: 'passes-bad.csv' }])
  const result = await runLoad(em(), runtime.databaseUrl, { procedureId, files, actor: SYSTEM_ACTOR })
  t.notOk(result.ok, 'refused')
  if (result.ok) return
  const [report] = result.reports
  t.equal(report?.problemCount, 3)
  t.same(report?.problems.map((p) => [p.line, p.column]), [[123_457, 'issue_date'], [500_001, 'face_value_cents'], [999_999, 'carnet_state']])
  t.same(await currentPasses(), before, 'the previous version is still current')
  const [answer] = await em().execute<{ n: string }[]>(`select count(*) as "n" from "ledger_pass" where "version_id" = ?`, [before?.id])
  t.equal(Number(answer?.n), before?.rows, 'and still answers')
  const [orphans] = await em().execute<{ n: string }[]>(`select count(*) as "n" from pg_tables where tablename like 'ledger_pass_%' and tablename not in (select 'ledger_pass_' || replace("id"::text, '-', '') from "ledger_version")`)
  t.equal(Number(orphans?.n), 0, 'no table left behind')
  const [load] = await em().execute<{ status: string }[]>(`select "status" from "ledger_load" where "id" = ?`, [result.loadId])
  t.equal(load?.status, 'refused')
})

t.test('identifiers are checked against the pattern, quoted or not', async (t) => {
  const before = await currentPasses()
  const lines = (await readFile(join(dir, 'passes.csv'), 'utf8')).trimEnd().split('\n')
  const quoted = (rows: string[]) => rows.map((row) => row.split(';').map((field) => `"${field}"`).join(';')).join('\n') + '\n'
  const broken = [...lines]
  broken[41] = (broken[41] as string).replace(/^PN/u, 'P-')
  const attempts: [string, string][] = [
    ['passes-typo.csv', `${broken.join('\n')}\n`],
    ['passes-typo-quoted.csv', quoted(broken)],
  ]
  for (const [name, text] of attempts) {
    const path = join(dir, name)
    await writeFile(path, text)
    const result = await runLoad(em(), runtime.databaseUrl, { procedureId, files: await identifyFiles([{ path, name }]), actor: SYSTEM_ACTOR })
    t.notOk(result.ok, `${name}: refused`)
    if (result.ok) continue
    t.same(result.reports[0]?.problems.map((p) => [p.line, p.column]), [[42, 'identifier']], `${name}: the report names line 42`)
  }
  t.same(await currentPasses(), before, 'the previous version is still current')
  // Quoted and well-formed: the identifiers are checked in SQL and the file loads.
  const path = join(dir, 'passes-quoted.csv')
  await writeFile(path, quoted(lines))
  const result = await runLoad(em(), runtime.databaseUrl, { procedureId, files: await identifyFiles([{ path, name: 'passes-quoted.csv' }]), actor: SYSTEM_ACTOR })
  t.ok(result.ok, 'a quoted file loads')
  t.equal((await currentPasses())?.rows, before?.rows, 'with every pass')
})

t.test('a scans file loaded alone is checked against the current passes, not a staged one', async (t) => {
  const path = join(dir, 'scans.csv')
  const good = await runLoad(em(), runtime.databaseUrl, { procedureId, files: await identifyFiles([{ path, name: 'scans.csv' }]), actor: SYSTEM_ACTOR })
  t.ok(good.ok, 'every scanned pass is in the current passes version')
  const stray = join(dir, 'scans-stray.csv')
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n')
  lines[3] = (lines[3] as string).replace(/^[^;]+/u, 'PN99Z9999999')
  await writeFile(stray, `${lines.join('\n')}\n`)
  const refused = await runLoad(em(), runtime.databaseUrl, { procedureId, files: await identifyFiles([{ path: stray, name: 'scans-stray.csv' }]), actor: SYSTEM_ACTOR })
  t.notOk(refused.ok)
  if (!refused.ok) t.same(refused.reports[0]?.problems.map((p) => [p.line, p.column, p.value]), [[4, 'identifier', 'PN99Z9999999']], 'the stray scan is named')
})

t.test('killing the process mid-load leaves the previous version intact and usable', async (t) => {
  const before = await currentPasses()
  const path = join(dir, 'passes-big.csv')
  await passesFile(path, 1_500_000, new Map())
  const child = spawn(process.execPath, ['server/cli.ts', 'ledger:load', '--files', path], {
    env: { ...process.env, DATABASE_URL: runtime.databaseUrl, VAR_DIR: config.varDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  // Kill it once the COPY is under way.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (/passes\s+copy\s+[1-9]\d* %/u.test(output)) {
        clearInterval(check)
        resolve()
      }
    }, 20)
    child.on('exit', () => {
      clearInterval(check)
      resolve()
    })
  })
  child.kill('SIGKILL')
  await once(child, 'exit').catch(() => {})
  t.match(output, /passes\s+copy/, 'the load had started copying')
  // The server notices the dead connection and rolls its transaction back.
  for (let i = 0; i < 100; i++) {
    const [busy] = await em().execute<{ n: string }[]>(`select count(*) as "n" from pg_stat_activity where application_name = 'ledger-load'`)
    if (Number(busy?.n) === 0) break
    await new Promise((r) => setTimeout(r, 100))
  }
  t.same(await currentPasses(), before, 'the previous version is still current')
  const [answer] = await em().execute<{ n: string }[]>(`select count(*) as "n" from "ledger_pass" where "version_id" = ?`, [before?.id])
  t.equal(Number(answer?.n), before?.rows, 'and answers in full')
})
