// npm run bench:import — how long a structure waits to import a 10 000-pass CSV through the real
// HTTP pages (value): upload (multipart, 302), the preview page (reads and checks every row), then
// the import itself (302 to the lines). Each round imports a different file into a fresh claim
// (a new structure of the demo account), and checks that exactly ROWS lines landed in it.
// Baseline: the pure work on the same bytes, in process, without HTTP nor database: readTable +
// guessMapping + validateRows. Each figure is the median of ROUNDS runs. Goal (issue): ≤ 2 000 ms.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { APTIC_PROCEDURE, DEMO_STRUCTURE, demoAccounts, seedDemo } from '../fixtures/demo.ts'
import { buildApp } from '../server/app.ts'
import { loadConfig } from '../server/config.ts'
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../server/db/embedded.ts'
import { guessMapping, validateRows } from '../server/lib/claim-import.ts'
import { DEFAULT_IDENTIFIER_RULE } from '../server/lib/pass-identifier.ts'
import { readTable } from '../server/lib/spreadsheet.ts'
import { findAccountByEmail } from '../server/modules/accounts/service.ts'
import { Membership, Structure } from '../server/modules/structures/entities.ts'
import { createRuntime, type Runtime } from '../server/runtime.ts'
import { freePort } from '../test/helpers/server-process.ts'

const ROWS = Number(process.env.ROWS ?? 10_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const ms = (n: number) => `${n.toFixed(0)} ms`

// ---- The file: as French Excel saves "CSV UTF-8 (délimité par des points-virgules)" ----------------

const FUNDERS = [
  'Conseil départemental des Landes',
  'Région Nouvelle-Aquitaine',
  'Caisse d’allocations familiales des Landes',
  'Communauté d’agglomération du Grand Dax',
  'Mairie de Mont-de-Marsan — CCAS',
  'Préfecture des Landes (France Services)',
]

function frenchDate(d: Date): string {
  return `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`
}

/** ROWS passes numbered PN2019<series>0000001…, used on days of 2023 and scanned that day or up to 3 days later. */
function passCsv(series: string): Uint8Array<ArrayBuffer> {
  const lines = ["Identifiant;Date d'utilisation;Date de scan;Valeur;Commanditaire"]
  const start = Date.UTC(2023, 0, 2)
  for (let i = 1; i <= ROWS; i++) {
    const used = new Date(start + ((i * 7) % 360) * 86_400_000)
    const scanned = new Date(used.getTime() + (i % 4) * 86_400_000)
    lines.push(`PN2019${series}${String(i).padStart(7, '0')};${frenchDate(used)};${frenchDate(scanned)};10,00;${FUNDERS[i % FUNDERS.length]}`)
  }
  return new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`)
}

// ---- Baseline: the same work in process ---------------------------------------------------------------

async function pureImport(bytes: Uint8Array): Promise<number> {
  const started = performance.now()
  const table = await readTable(bytes, 'csv')
  if (!table.ok) throw new Error(`baseline: ${table.error.message}`)
  const result = validateRows(table.value, guessMapping(table.value.header), {
    rule: DEFAULT_IDENTIFIER_RULE,
    defaultFaceValueCents: APTIC_PROCEDURE.faceValueCents,
    judgmentDate: APTIC_PROCEDURE.judgmentDate,
  })
  const elapsed = performance.now() - started
  if (result.lines.length !== ROWS || result.errors.length || result.duplicates.length) {
    throw new Error(`baseline: ${result.lines.length} valid lines, ${result.errors.length} errors, ${result.duplicates.length} duplicates (expected ${ROWS} valid)`)
  }
  return elapsed
}

// ---- A browser: cookies, CSRF token of the last page, no automatic redirects ---------------------------

type Page = { status: number; location: string; html: string }

function browser(base: string) {
  const jar = new Map<string, string>()
  let csrf = ''
  async function request(path: string, init: { method?: string; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<Page> {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(new URL(path, base), {
      method: init.method ?? 'GET',
      body: init.body,
      redirect: 'manual',
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...init.headers },
    })
    for (const header of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';').map((s) => s.trim())
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      const value = pair.slice(eq + 1)
      const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()))
      if (value === '' || expired) jar.delete(name)
      else jar.set(name, value)
    }
    const html = await res.text()
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]
    if (token) csrf = token
    return { status: res.status, location: res.headers.get('location') ?? '', html }
  }
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    body: new URLSearchParams({ ...fields, _csrf: csrf }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  })
  return { request, form, csrf: () => csrf }
}

function expect(page: Page, status: number, what: string): Page {
  if (page.status !== status) {
    const message = /<p[^>]*role="alert"[^>]*>([\s\S]*?)<\/p>/.exec(page.html)?.[1] ?? page.html.slice(0, 400)
    throw new Error(`${what}: HTTP ${page.status} (expected ${status}) ${page.location} ${message.replace(/\s+/g, ' ')}`)
  }
  return page
}

// ---- The run ----------------------------------------------------------------------------------------

type Round = { upload: number; preview: number; commit: number; total: number }

async function main(tempDirs: string[], cleanups: Array<() => Promise<void>>): Promise<void> {
  const varDir = mkdtempSync(join(tmpdir(), 'creances-bench-import-'))
  chmodSync(varDir, 0o755)
  tempDirs.push(varDir)
  const embedded: EmbeddedDatabase = await startEmbeddedPostgres({ varDir, name: 'bench-pg', port: await freePort() })
  tempDirs.push(embedded.dataDir, `${embedded.dataDir}.secret`)
  cleanups.push(() => embedded.stop())
  const admin = new pg.Client({ connectionString: embedded.url('postgres') })
  await admin.connect()
  await admin.query('CREATE DATABASE creances_bench')
  await admin.end()

  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: embedded.url('creances_bench'), VAR_DIR: varDir })
  const runtime: Runtime = await createRuntime(config, { supervise: false })
  cleanups.push(() => runtime.stop())
  const app: FastifyInstance = await buildApp(runtime, { logger: false })
  cleanups.push(() => app.close())
  await seedDemo(runtime.orm)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (typeof address !== 'object' || !address) throw new Error('the app is not listening')
  const base = `http://127.0.0.1:${address.port}`

  // Log in as the demo structure member, like a browser.
  const member = demoAccounts().find((a) => a.role === 'structure')
  if (!member) throw new Error('no demo structure account')
  const b = browser(base)
  expect(await b.request('/connexion'), 200, 'GET /connexion')
  const login = expect(await b.request('/connexion', b.form({ email: member.email, password: member.password, next: '/espace' })), 302, 'POST /connexion')
  const espace = expect(await b.request(login.location), 302, `GET ${login.location}`)
  const demoStructureId = /^\/structures\/([0-9a-f-]{36})$/.exec(espace.location)?.[1]
  if (!demoStructureId) throw new Error(`/espace led to ${espace.location}, not to a structure`)

  // One fresh claim per round: the demo structure, then new structures the same person is a member of.
  const em = runtime.orm.em.fork()
  const account = await findAccountByEmail(em, member.email)
  if (!account) throw new Error('demo structure account missing')
  const structureIds = [demoStructureId]
  for (let i = 1; i < ROUNDS; i++) {
    const structure = em.create(Structure, {
      siret: `${DEMO_STRUCTURE.siret.slice(0, 9)}${String(90000 + i)}`,
      name: `Tiers-lieu numérique de Saint-Sever n°${i} (banc d’essai)`,
      communeCode: DEMO_STRUCTURE.communeCode,
      communeName: 'Mont-de-Marsan',
      departementCode: '40',
      regionCode: '75',
      overseas: false,
      address: `${i} rue de la Gare, 40000 Mont-de-Marsan`,
      contactEmail: `bench-${i}@demo.creances.local`,
    })
    await em.flush()
    em.create(Membership, { structureId: structure.id, accountId: account.id, status: 'active' })
    await em.flush()
    structureIds.push(structure.id)
  }

  const rounds: Round[] = []
  const baselines: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const structureId = structureIds[round] as string
    const declaration = `/structures/${structureId}/declaration`
    expect(await b.request(declaration), 200, `GET ${declaration}`)
    expect(await b.request(declaration, b.form({})), 302, `POST ${declaration}`)
    expect(await b.request(`${declaration}/import`), 200, `GET ${declaration}/import`)

    const series = String.fromCharCode(65 + round) // PN2019A…, PN2019B…: a new file each round
    const bytes = passCsv(series)
    baselines.push(await pureImport(bytes))

    // (a) upload
    const t0 = performance.now()
    const body = new FormData()
    body.set('kind', 'platform_export')
    body.set('file', new Blob([bytes], { type: 'text/csv' }), `export-pass-${series}.csv`)
    const uploaded = expect(await b.request(`${declaration}/import?_csrf=${encodeURIComponent(b.csrf())}`, { method: 'POST', body }), 302, 'upload')
    const t1 = performance.now()
    // (b) preview
    const preview = expect(await b.request(uploaded.location), 200, `GET ${uploaded.location}`)
    const t2 = performance.now()
    const valid = /<strong>(\d+)<\/strong> ligne\(s\) valide\(s\) ; <strong>(\d+)<\/strong> problème/.exec(preview.html)
    if (Number(valid?.[1]) !== ROWS || Number(valid?.[2]) !== 0) throw new Error(`preview: ${valid?.[0] ?? 'no summary'} (expected ${ROWS} valid, 0 problems)`)
    const action = /<form method="post" action="([^"]*\/import\/[0-9a-f-]{36})"/.exec(preview.html)?.[1]
    if (!action) throw new Error('preview: no import form')
    // (c) import
    const t3 = performance.now()
    const committed = expect(await b.request(action, b.form({ col0: 'identifier', col1: 'serviceDate', col2: 'scanDate', col3: 'faceValue', col4: 'funder' })), 302, `POST ${action}`)
    const t4 = performance.now()
    if (!committed.location.endsWith('/declaration/lignes')) throw new Error(`import: redirected to ${committed.location}`)

    const [row] = await runtime.orm.em.fork().execute<{ n: string }[]>(
      `select count(*) as n from "claim_line" l join "claim_version" v on v.id = l."version_id" join "claim" c on c.id = v."claim_id"
        where c."structure_id" = ? and l."source" = 'import'`,
      [structureId],
    )
    if (Number(row?.n) !== ROWS) throw new Error(`round ${round + 1}: ${row?.n} claim_line rows in the claim, expected ${ROWS}`)

    const r = { upload: t1 - t0, preview: t2 - t1, commit: t4 - t3, total: t1 - t0 + (t2 - t1) + (t4 - t3) }
    rounds.push(r)
    console.log(
      `round ${round + 1}: upload ${ms(r.upload)}, preview ${ms(r.preview)} (${(preview.html.length / 1024).toFixed(0)} KiB), import ${ms(r.commit)}` +
        ` — HTTP total ${ms(r.total)}; ${Number(row?.n)} lines in the claim; in-process baseline ${ms(baselines.at(-1) as number)}`,
    )
  }

  const value = Math.round(median(rounds.map((r) => r.total)))
  const baseline = Math.round(median(baselines))
  console.log(
    `${ROWS} rows (${(passCsv('A').length / 1024).toFixed(0)} KiB), median of ${ROUNDS}: upload ${ms(median(rounds.map((r) => r.upload)))}, ` +
      `preview ${ms(median(rounds.map((r) => r.preview)))}, import ${ms(median(rounds.map((r) => r.commit)))}; ` +
      `HTTP import ${value} ms (goal ≤ 2000 ms), in-process read + check ${baseline} ms`,
  )
  console.log(JSON.stringify({ bench: 'import', value, unit: 'ms', baseline, ratio: Number((value / baseline).toFixed(2)) }))
}

const tempDirs: string[] = []
const cleanups: Array<() => Promise<void>> = []
let failed = false
try {
  await main(tempDirs, cleanups)
} catch (error) {
  failed = true
  console.error(error)
} finally {
  for (const fn of cleanups.reverse()) {
    try {
      await fn()
    } catch (error) {
      console.error(`cleanup: ${String(error)}`)
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
