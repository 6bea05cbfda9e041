// The liquidator's and the ministry's pages over a loaded ledger (issue 6) and the first export of
// the desk (issue 7): the list of declared claims with proposals, whose amounts add up in cents.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import t from 'tap'
import { loadNationalFixture } from '../../fixtures/national/seed.ts'
import { currentTotp } from '../../server/lib/totp.ts'
import { parseEuros } from '../../server/lib/money.ts'
import { STRONG_PASSWORD, makeProfessional } from '../helpers/accounts.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client } from '../helpers/client.ts'
import { markSubmitted } from '../helpers/claims.ts'

const { app, runtime } = await buildTestApp(t)
await runtime.startWorkers()
const dir = mkdtempSync(join(tmpdir(), 'creances-desk-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
execFileSync(process.execPath, ['fixtures/national/cli.ts', '--small', '--out', dir], { stdio: 'ignore' })
const loaded = await loadNationalFixture(runtime.orm.em.fork(), runtime.databaseUrl, dir)
// The fixture's claims as filed: only a declared claim is reviewed.
await markSubmitted(runtime.orm.em.fork(), (await runtime.orm.em.fork().execute<{ id: string }[]>(`select "id" from "claim"`)).map((c) => c.id))

async function professional(role: 'liquidator' | 'ministry', email: string) {
  const { secret } = await makeProfessional(runtime.orm, role, email)
  const c = client(app)
  await c.post('/connexion', { email, password: STRONG_PASSWORD }, { from: '/connexion' })
  await c.post('/connexion/second-facteur', { code: currentTotp(secret) }, { from: '/connexion/second-facteur' })
  return c
}
const liquidator = await professional('liquidator', 'etude@liquidation.example')
const ministry = await professional('ministry', 'dgcl@ministere.example')
const cents = (value: string): number => {
  const parsed = parseEuros(value)
  if (!parsed.ok) throw new Error(`not an amount: ${value}`)
  return parsed.value
}

t.test('the dashboard shows the ledger table and the reconciled claims, to the liquidator and the ministry', async (t) => {
  t.ok(loaded.ledger.ok)
  for (const c of [liquidator, ministry]) {
    const page = await c.get('/tableau-de-bord')
    t.equal(page.statusCode, 200)
    t.match(page.body, /AAP 2019/)
    t.match(page.body, /Déjà payé/)
    t.match(page.body, /Par département de la structure/)
  }
})

t.test('the list of declared claims (L624-1): French CSV whose amounts add up to the lines, in cents', async (t) => {
  t.equal((await ministry.get('/liquidation/liste-des-creances.csv')).statusCode, 403, 'not for the ministry')
  t.equal((await liquidator.get('/liquidation/liste-des-creances.csv')).headers.location, '/liquidation/tribunal/liste-des-creances.csv', 'the old address leads to the court files')
  t.equal((await ministry.get('/liquidation/tribunal/liste-des-creances.csv')).statusCode, 403, 'not for the ministry')
  const res = await liquidator.get('/liquidation/tribunal/liste-des-creances.csv')
  t.equal(res.statusCode, 200)
  t.ok(res.body.startsWith('\uFEFFn° de déclaration;créancier;SIRET'), 'BOM, semicolons')
  const [header, ...rows] = parse(res.body.slice(1), { delimiter: ';' }) as string[][]
  t.equal(rows.length, 40, 'one row per claim')
  let declared = 0
  const columns = ['montant déclaré (€)', 'proposé à l’admission (€)', 'contesté ou rejeté (€)', 'en attente (€)'].map((name) => header!.indexOf(name))
  for (const row of rows) {
    const [d, a, c, p] = columns.map((i) => cents(row[i] ?? ''))
    if (a! + c! + p! !== d) t.fail(`${row[0]}: ${a} + ${c} + ${p} ≠ ${d}`)
    declared += d!
  }
  const [sum] = await runtime.orm.em.fork().execute<{ total: string }[]>(
    `select sum(l."amount_cents") as "total" from "claim_line" l join "claim_version" v on v."id" = l."version_id" join "claim" c on c."id" = v."claim_id" and c."current_version" = v."version"`,
  )
  t.equal(declared, Number(sum?.total), 'the exported declared amounts sum to the claim lines')
  t.match(res.body, /;\d+,\d{2};/, 'decimal commas')
})

t.test('a ledger file sent from the page is loaded by a job, or refused with its bad rows', async (t) => {
  const page = await liquidator.get('/grand-livre')
  t.equal(page.statusCode, 200)
  t.match(page.body, /Versions en service/)
  const bad = Buffer.from('siret;amount_cents\n12345678901234;1000\n84675852200037;-5\n')
  const sent = await liquidator.upload('/grand-livre', {}, [{ filename: 'liste.csv', content: bad }])
  t.equal(sent.statusCode, 303)
  const location = String(sent.headers.location)
  let body = ''
  for (let i = 0; i < 100; i++) {
    body = (await liquidator.get(location)).body
    if (!/en attente|en cours/.test(body)) break
    await new Promise((r) => setTimeout(r, 100))
  }
  t.match(body, /refusé en entier/)
  t.match(body, /<td class="num">2<\/td>/, 'line 2 named')
  t.match(body, /<td class="num">3<\/td>/, 'line 3 named')
  t.equal((await ministry.get('/grand-livre')).statusCode, 403, 'the ministry does not load the ledger')
})

t.test('the queue filters by département, state and anomaly, and finds a claim by SIRET or pass identifier', async (t) => {
  const all = await liquidator.get('/liquidation')
  t.equal(all.statusCode, 200)
  t.match(all.body, /40 déclaration\(s\)/)
  const em = runtime.orm.em.fork()
  const [one] = await em.execute<{ departement: string; n: string }[]>(
    `select s."departement_code" as "departement", count(*) as "n" from "claim" c join "structure" s on s."id" = c."structure_id" group by 1 order by 2 desc limit 1`,
  )
  const byDepartement = await liquidator.get(`/liquidation?departement=${one?.departement}`)
  t.match(byDepartement.body, new RegExp(`${one?.n} déclaration\\(s\\)`), `département ${one?.departement}`)
  const [paid] = await em.execute<{ n: string }[]>(`select count(distinct "claim_id") as "n" from "line_reconciliation" where "status" = 'already_paid'`)
  t.match((await liquidator.get('/liquidation?statut=already_paid')).body, new RegExp(`${paid?.n} déclaration\\(s\\)`))
  const [line] = await em.execute<{ identifier: string; number: string; siret: string }[]>(
    `select r."identifier", c."number", s."siret" from "line_reconciliation" r join "claim" c on c."id" = r."claim_id"
     join "structure" s on s."id" = c."structure_id" where r."status" = 'matched' limit 1`,
  )
  const byPass = await liquidator.get(`/liquidation?q=${line?.identifier.toLowerCase()}`)
  t.match(byPass.body, /1 déclaration\(s\)/)
  t.match(byPass.body, new RegExp(line?.number ?? 'none'))
  t.match((await liquidator.get(`/liquidation?q=${line?.siret}`)).body, /1 déclaration\(s\)/)
  t.equal((await ministry.get('/liquidation')).statusCode, 403)
})

t.test('the liquidator reviews a claim by reconciliation group and decides a group at once', async (t) => {
  const em = runtime.orm.em.fork()
  const [claim] = await em.execute<{ claim_id: string; n: string }[]>(
    `select "claim_id", count(*) as "n" from "line_reconciliation" where "status" = 'matched' group by 1 order by 2 desc limit 1`,
  )
  const base = `/liquidation/declarations/${claim?.claim_id}`
  const page = await liquidator.get(base)
  t.equal(page.statusCode, 200)
  t.match(page.body, /Conforme au grand livre/)
  t.match(page.body, /Proposition par défaut : <strong>admettre<\/strong>/)
  const refused = await liquidator.post(`${base}/decisions`, { status: 'matched', decision: 'reject', reasonCode: '' }, { from: base })
  t.equal(refused.statusCode, 400)
  t.match(refused.body, /doit donner son motif/)
  const documents = await liquidator.post(`${base}/decisions`, { status: 'unscanned_known', decision: 'reject', reasonCode: 'missing_evidence' }, { from: base })
  t.equal(documents.statusCode, 409, 'no rejection for missing documents before asking for them (Cass. com. 5 June 2012)')
  const done = await liquidator.post(`${base}/decisions`, { status: 'matched', decision: 'admit' }, { from: base })
  t.equal(done.statusCode, 303)
  const [count] = await em.execute<{ n: string; cents: string }[]>(
    `select count(*) as "n", sum("admitted_cents") as "cents" from "line_decision" where "claim_id" = ? and "decision" = 'admit'`,
    [claim?.claim_id],
  )
  t.equal(Number(count?.n), Number(claim?.n), 'every matched line admitted')
  t.equal(Number(count?.cents), Number(claim?.n) * 1000, 'at the ledger face value')
  const after = (await liquidator.get(base)).body
  t.match(after, new RegExp(`${claim?.n} ligne\\(s\\) décidée\\(s\\)`), 'the flash says how many')
  t.match(after, new RegExp(`Décidées : ${claim?.n} / ${claim?.n}`))
  t.equal((await ministry.get(base)).statusCode, 403)
})

t.test('two staff deciding the same line: the second sees who changed it meanwhile', async (t) => {
  const { decideLine } = await import('../../server/modules/review/decisions.ts')
  const em = runtime.orm.em.fork()
  const [line] = await em.execute<{ claim_line_id: string }[]>(
    // An unscanned pass is declared in no other claim: admitting it here cannot pay it twice.
    `select r."claim_line_id" from "line_reconciliation" r where r."status" = 'unscanned_known'
     and not exists (select 1 from "line_decision" d where d."identifier" = r."identifier") order by r."claim_line_id" limit 1`,
  )
  const actor = { id: null, role: 'liquidator' }
  const lineId = line?.claim_line_id as string
  await em.fork().transactional((tx) => decideLine(tx, { lineId, decision: 'contest', reasonCode: 'missing_evidence', expectedLockVersion: 0 }, actor))
  await t.rejects(
    em.fork().transactional((tx) => decideLine(tx, { lineId, decision: 'admit', expectedLockVersion: 0 }, actor)),
    /décidée entre-temps/,
  )
  await em.fork().transactional((tx) => decideLine(tx, { lineId, decision: 'admit', expectedLockVersion: 1 }, actor))
  const [row] = await em.execute<{ decision: string; lock_version: number }[]>(`select "decision", "lock_version" from "line_decision" where "claim_line_id" = ?`, [lineId])
  t.same(row, { decision: 'admit', lock_version: 2 })
})

t.test('the queue filters by amount band, debtor’s list and lateness, sorts, and keeps named filters', async (t) => {
  const em = runtime.orm.em.fork()
  const declared = await em.execute<{ number: string; declared: string; presumed: boolean }[]>(
    `select c."number", sum(l."amount_cents") as "declared",
            exists (select 1 from "ledger_creditor" cr join "ledger_version" lv on lv."id" = cr."version_id" and lv."status" = 'current' where cr."siret" = s."siret") as "presumed"
     from "claim" c join "structure" s on s."id" = c."structure_id" join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
     join "claim_line" l on l."version_id" = v."id" group by c."number", s."siret"`,
  )
  const count = (body: string) => Number(/(\d+) déclaration\(s\)/u.exec(body)?.[1])
  const large = declared.filter((d) => Number(d.declared) >= 1_000_000).length
  t.equal(count((await liquidator.get('/liquidation?montant=large')).body), large, '10 000 € and more')
  t.equal(count((await liquidator.get('/liquidation?montant=small')).body), declared.filter((d) => Number(d.declared) < 100_000).length, 'under 1 000 €')
  t.equal(count((await liquidator.get('/liquidation?presumee=oui')).body), declared.filter((d) => d.presumed).length, 'structures on the debtor’s list')
  t.equal(count((await liquidator.get('/liquidation?hors_delai=oui')).body), 0, 'no late claim in the fixture')
  for (const sort of ['anomalies', 'amount', 'number', 'departement', 'answer_due']) t.equal((await liquidator.get(`/liquidation?tri=${sort}`)).statusCode, 200, `sorted by ${sort}`)
  const sorted = (await liquidator.get('/liquidation?tri=amount')).body
  const amounts = [...sorted.matchAll(/<td class="num">\d+<\/td><td class="num">([^<]+)<\/td><td class="num">[^<]+<\/td><td class="num">\d+<\/td><\/tr>/gu)].map((m) => cents(m[1] ?? ''))
  t.ok(amounts.length > 1 && amounts.every((a, i) => i === 0 || a <= amounts[i - 1]!), 'largest declared amounts first')

  await liquidator.get('/liquidation?montant=large&tri=amount')
  t.equal((await liquidator.post('/liquidation/filtres', { name: 'Gros dossiers', query: 'montant=large&tri=amount&evil=1' })).statusCode, 303)
  const page = (await liquidator.get('/liquidation')).body.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&')
  t.match(page, /href="\/liquidation\?montant=large&tri=amount">Gros dossiers<\/a>/, 'the saved filter is offered, unknown parameters dropped')
  t.equal((await ministry.get('/liquidation')).statusCode, 403)
})

t.test('letters in bulk run as a job whose page shows the progress and why a claim got no letter', async (t) => {
  const claims = await runtime.orm.em.fork().execute<{ id: string; number: string }[]>(`select "id", "number" from "claim" order by "number" limit 2`)
  await liquidator.get('/liquidation')
  const res = await liquidator.post('/liquidation/courriers', { claims: claims[0]!.id })
  t.equal(res.statusCode, 303)
  const location = String(res.headers.location)
  t.match(location, /^\/liquidation\/courriers\/[0-9a-f-]{36}$/u)
  let body = ''
  for (let i = 0; i < 100; i++) {
    const page = await liquidator.get(location)
    body = page.body
    if (!page.headers.refresh) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.match(body, /terminé/, 'the job finished')
  t.match(body, new RegExp(`${claims[0]!.number}</a> : La lettre se prépare après la proposition`), 'a claim without a proposal is listed with the reason')
  t.equal((await liquidator.post('/liquidation/courriers', {})).statusCode, 303, 'an empty selection comes back to the queue')
  t.equal((await ministry.get(location)).statusCode, 403)
})
