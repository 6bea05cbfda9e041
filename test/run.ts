// `npm test`: one PostgreSQL for the whole run (embedded unless DATABASE_URL names a server),
// a template database built once by the migrations, then tap. Each test file clones the template
// (CREATE DATABASE … TEMPLATE), so files are isolated and run in parallel.
// Ends with the plain line "N passed, N failed, N skipped" and tap's exit code.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import pg from 'pg'
import { Parser } from 'tap-parser'
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../server/db/embedded.ts'
import { migrate, openOrm } from '../server/db/orm.ts'
import { startBoss } from '../server/jobs/boss.ts'
import { freePort } from './helpers/server-process.ts'

const root = resolve(import.meta.dirname, '..')
const tapBin = join(root, 'node_modules/.bin/tap')
const log = (m: string) => console.log(`# ${m}`)

/**
 * tap compiles its plugin set into node_modules; a fresh install holds the default set, with the
 * ts-node plugin that package.json drops (Node strips types itself). Rebuild when they differ.
 */
function ensureTapPlugins(): void {
  const built = join(root, 'node_modules/@tapjs/test/test-built/dist/esm/index.js')
  if (!existsSync(built) || readFileSync(built, 'utf8').includes('@tapjs/typescript')) {
    log('tap: building its plugin set (once after npm install)')
    const result = spawnSync(tapBin, ['build'], { cwd: root, stdio: 'inherit' })
    if (result.status !== 0) throw new Error('tap build failed')
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/**
 * Counts the tests of the whole run from its raw TAP: each file is a subtest of the run, and the
 * points directly inside a file (its t.test blocks, or its bare assertions) are its tests.
 */
function countResults(rawTap: string): { passed: number; failed: number; skipped: number } {
  const totals = { passed: 0, failed: 0, skipped: 0 }
  const run = new Parser()
  run.on('child', (file: Parser) => {
    let points = 0
    file.on('assert', (point: { ok: boolean; skip?: unknown; todo?: unknown }) => {
      points += 1
      if (point.skip || point.todo) totals.skipped += 1
      else if (point.ok) totals.passed += 1
      else totals.failed += 1
    })
    file.on('complete', (result: { ok: boolean }) => {
      if (!result.ok && points === 0) totals.failed += 1 // a file that crashed before any test
    })
  })
  run.end(rawTap)
  return totals
}

const runId = `${process.pid}`
let embedded: EmbeddedDatabase | undefined
let embeddedDir: string | undefined
let adminUrl: string
if (process.env.DATABASE_URL) {
  adminUrl = withDatabase(process.env.DATABASE_URL, 'postgres')
  log(`tests use the PostgreSQL server of DATABASE_URL`)
} else {
  // One throwaway cluster per run: concurrent runs in one checkout do not stop each other's server.
  embedded = await startEmbeddedPostgres({ varDir: join(root, 'var'), name: `test-pg-${runId}`, port: await freePort(), log: () => {} })
  adminUrl = embedded.url('postgres')
  embeddedDir = embedded.dataDir
}
const template = `creances_test_template_${runId}`
const rawTapFile = join(mkdtempSync(join(tmpdir(), 'creances-tap-')), 'run.tap')
let exitCode = 1
let rawTap = ''
try {
  ensureTapPlugins()
  const version = await admin(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${template}`)
    await c.query(`CREATE DATABASE ${template}`)
    return (await c.query('SHOW server_version')).rows[0].server_version as string
  })
  log(`PostgreSQL ${version}; template database ${template}`)
  const templateUrl = withDatabase(adminUrl, template)
  const orm = await openOrm(templateUrl, { poolMax: 2 })
  await migrate(orm)
  await orm.close(true)
  const boss = await startBoss(templateUrl, [], { supervise: false }) // installs pg-boss's own schema once
  await boss.stop({ graceful: false, close: true })

  const args = process.argv.slice(2)
  // A terminal gets tap's live reporter (raw TAP saved to a file for the count); a log (CI) gets
  // the raw TAP itself, read as it passes.
  const interactive = process.stdout.isTTY === true
  exitCode = await new Promise<number>((ok) => {
    const tapArgs = interactive ? [`--output-file=${rawTapFile}`, '--reporter=base', ...args] : ['--reporter=tap', ...args]
    const child = spawn(tapBin, tapArgs, {
      cwd: root,
      stdio: ['inherit', interactive ? 'inherit' : 'pipe', 'inherit'],
      env: { ...process.env, TEST_PG_ADMIN_URL: adminUrl, TEST_PG_TEMPLATE: template, TEST_RUN_ID: runId },
    })
    child.stdout?.on('data', (chunk: Buffer) => {
      rawTap += chunk.toString('utf8')
      process.stdout.write(chunk)
    })
    child.on('exit', (code, signal) => ok(code ?? (signal ? 1 : 0)))
  })
} finally {
  await admin(adminUrl, async (c) => {
    const leftovers = await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [`creances_test_%${runId}%`])
    for (const { datname } of leftovers.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
  }).catch((e) => log(`cleanup: ${String(e)}`))
  await embedded?.stop()
  if (embeddedDir) {
    rmSync(embeddedDir, { recursive: true, force: true })
    rmSync(`${embeddedDir}.secret`, { force: true })
  }
}
const totals = countResults(existsSync(rawTapFile) ? readFileSync(rawTapFile, 'utf8') : rawTap)
rmSync(dirname(rawTapFile), { recursive: true, force: true })
if (exitCode !== 0 && totals.failed === 0) totals.failed = 1
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(exitCode)
