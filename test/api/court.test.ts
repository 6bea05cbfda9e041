// The files for the court over the national fixture (issue 7): the juge-commissaire's decisions per
// claim and from a spreadsheet (with the part L624-2 lets the judge leave to a pending lawsuit or
// another court), the list and the état des créances in CSV, XLSX and PDF whose every amount
// equals the sum of the lines in cents, the deposit with its objection window, and the ZIP bundle
// (whole or a selection) whose manifest gives each file's true SHA-256.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
import ExcelJS from 'exceljs'
import { PDFDocument } from 'pdf-lib'
import t from 'tap'
import { loadNationalFixture } from '../../fixtures/national/seed.ts'
import { submitNationalClaims } from '../../fixtures/national/submit.ts'
import { addDays, todayInParis } from '../../server/lib/calendar.ts'
import { objectionDeadline } from '../../server/lib/deadlines.ts'
import { formatDecimal, formatEuros, parseEuros } from '../../server/lib/money.ts'
import { currentTotp } from '../../server/lib/totp.ts'
import { decideGroup } from '../../server/modules/review/decisions.ts'
import { writeBundle } from '../../server/modules/court/bundle.ts'
import { bundlePath, expireBundles, runBundle } from '../../server/modules/court/bundle-jobs.ts'
import { generateLetter } from '../../server/modules/review/letters.ts'
import { applyDefaultProposals, makeProposal, proposalFigures } from '../../server/modules/review/proposal.ts'
import { STRONG_PASSWORD, makeProfessional } from '../helpers/accounts.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client } from '../helpers/client.ts'

const { app, runtime } = await buildTestApp(t)
await runtime.startWorkers()
const dir = mkdtempSync(join(tmpdir(), 'creances-court-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
execFileSync(process.execPath, ['fixtures/national/cli.ts', '--small', '--out', dir], { stdio: 'ignore' })
const loaded = await loadNationalFixture(runtime.orm.em.fork(), runtime.databaseUrl, dir)
if (!loaded.ledger.ok) throw new Error('ledger refused')
const em = runtime.orm.em.fork()
const [{ id: procedureId }] = (await em.execute<{ id: string }[]>(`select "procedure_id" as "id" from "claim" limit 1`)) as [{ id: string }]
// The fixture's claims filed with their PDFs (a top-level assertion would end tap's root test early).
if ((await submitNationalClaims(runtime.orm.em.fork(), runtime.files, procedureId)) !== 40) throw new Error('the fixture’s 40 claims were not all submitted')
const { account, secret } = await makeProfessional(runtime.orm, 'liquidator', 'etude@liquidation.example')
const actor = { id: account.id, role: 'liquidator' }
const liquidator = client(app)
await liquidator.post('/connexion', { email: 'etude@liquidation.example', password: STRONG_PASSWORD }, { from: '/connexion' })
await liquidator.post('/connexion/second-facteur', { code: currentTotp(secret) }, { from: '/connexion/second-facteur' })
const cents = (value: string): number => {
  const parsed = parseEuros(value)
  if (!parsed.ok) throw new Error(`not an amount: ${value}`)
  return parsed.value
}

// Proposals for ten claims: defaults applied, double declarations contested.
const claims = await em.execute<{ id: string; number: string }[]>(`select "id", "number" from "claim" order by "number"`)
for (const claim of claims.slice(0, 10)) {
  await runtime.orm.em.fork().transactional(async (tx) => {
    await applyDefaultProposals(tx, claim.id, actor)
    if ((await proposalFigures(tx, claim.id)).undecidedLines > 0) await decideGroup(tx, { claimId: claim.id, status: 'duplicate_declared', decision: 'contest', reasonCode: 'duplicate' }, actor)
    await makeProposal(tx, { claimId: claim.id, refer: false }, actor)
  })
}
const declaredOf = async (claimId: string) => (await proposalFigures(runtime.orm.em.fork(), claimId)).declaredCents
// A contestation letter for one of them, to be found in the bundle.
await runtime.orm.em.fork().transactional((tx) => generateLetter(tx, { files: runtime.files, publicUrl: runtime.config.publicUrl }, claims[3]!.id, actor))

t.test('the judge’s decision on one claim, recorded apart from the proposal', async (t) => {
  const claim = claims[0]!
  const declared = await declaredOf(claim.id)
  const page = `/liquidation/declarations/${claim.id}`
  await liquidator.get(page)
  const wrong = await liquidator.post(`${page}/decision-du-juge`, { admitted: formatDecimal(declared), rejected: '1,00', decidedOn: todayInParis(new Date()), reference: 'JC-2025-001' })
  t.equal(wrong.statusCode, 400)
  t.match(wrong.body, /admis \+ rejeté doit égaler le montant déclaré/)
  t.match(wrong.body, /aria-describedby="judge-admitted-error"/, 'the error is tied to its field')
  const ok = await liquidator.post(`${page}/decision-du-juge`, { admitted: formatDecimal(declared - 1000), rejected: '10,00', decidedOn: todayInParis(new Date()), reference: 'JC-2025-001' })
  t.equal(ok.statusCode, 303)
  const after = await liquidator.get(page)
  t.match(after.body, /id="etat">décidée par le juge-commissaire/)
  t.match(after.body, /Ordonnance JC-2025-001/)
  // L624-2: the judge may leave part of the claim to a pending lawsuit; a new decision supersedes the first.
  const referred = await liquidator.post(`${page}/decision-du-juge`, { admitted: formatDecimal(declared - 1500), rejected: '10,00', referred: '5,00', decidedOn: '17/06/2025', reference: 'JC-2025-002' })
  t.equal(referred.statusCode, 303, 'admitted + rejected + referred = declared; a date typed the French way')
  t.match((await liquidator.get(page)).body, /Ordonnance JC-2025-002 du 17 juin 2025 : admis <strong>[^<]+<\/strong>, rejeté 10,00\s€, instance en cours ou renvoi 5,00\s€/u)
  const decisions = await em.execute<{ referred: string; live: boolean }[]>(`select "referred_cents" as "referred", "superseded_at" is null as "live" from "judge_decision" where "claim_id" = ? order by "recorded_at"`, [claim.id])
  t.same(decisions.map((d) => [Number(d.referred), d.live]), [[0, false], [500, true]], 'one decision in force, the earlier one kept')
  const undecidable = claims[20]!
  await liquidator.get(`/liquidation/declarations/${undecidable.id}`)
  const early = await liquidator.post(`/liquidation/declarations/${undecidable.id}/decision-du-juge`, { admitted: '0', rejected: '0', decidedOn: todayInParis(new Date()), reference: 'JC-X' })
  t.equal(early.statusCode, 400, 'no decision before the proposal')
  t.match(early.body, /statue sur une proposition faite/)
})

t.test('decisions from a spreadsheet: all or nothing, every bad row named', async (t) => {
  const rows = await Promise.all(claims.slice(1, 9).map(async (c) => ({ number: c.number, declared: await declaredOf(c.id) })))
  const line = (number: string, admitted: string, rejected: string, date = '15/06/2025') => `${number};${admitted};${rejected};${date};ORD-${number}`
  const bad = ['n° de déclaration;admis;rejeté;date;référence', ...rows.map((r, i) => (i === 2 ? line(r.number, '12,345', '0') : i === 5 ? line('APTIC-0000-999999', '1', '0') : line(r.number, formatDecimal(r.declared), '0')))].join('\n')
  await liquidator.get('/liquidation/tribunal')
  // As French Excel saves a CSV: Windows-1252, semicolons; named .xlsx, its content decides.
  const refused = await liquidator.upload('/liquidation/tribunal/decisions', {}, [{ filename: 'decisions.xlsx', content: Buffer.from(bad, 'latin1') }])
  t.equal(refused.statusCode, 400)
  t.match(refused.body, /2 problème\(s\) dans le fichier : rien n’a été enregistré/)
  t.match(refused.body, /id="decisions-file"[^>]*aria-describedby="form-errors"/u, 'the errors are tied to the file field')
  t.match(refused.body, /ligne 4, colonne « admis »/)
  t.match(refused.body, /ligne 7, colonne « n° de déclaration » : déclaration « APTIC-0000-999999 » inconnue/)
  const [none] = await em.execute<{ n: string }[]>(`select count(*) as "n" from "judge_decision" where "source" = 'spreadsheet'`)
  t.equal(Number(none?.n), 0, 'nothing written')

  // As a registry's spreadsheet holds them: amounts as numbers, dates as dates, an optional column
  // for the part left to a pending lawsuit or another court (L624-2).
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('Décisions')
  sheet.addRow(['N° de déclaration', 'Montant admis', 'Montant rejeté', 'Instance en cours ou renvoi', 'Date', 'Référence'])
  rows.forEach((r, i) => {
    const row = sheet.addRow([r.number, (r.declared - 500 - (i === 0 ? 300 : 0)) / 100, 5, i === 0 ? 3 : null, new Date(Date.UTC(2025, 5, 16)), `ORD-${r.number}`])
    row.getCell(5).numFmt = 'dd/mm/yyyy'
  })
  const good = Buffer.from(await workbook.xlsx.writeBuffer())
  const recorded = await liquidator.upload('/liquidation/tribunal/decisions', {}, [{ filename: 'decisions.csv', content: good }])
  t.equal(recorded.statusCode, 303, 'an XLSX named .csv: its content decides')
  const count = async () => (await em.execute<{ live: string; all: string; referred: string }[]>(
    `select count(*) filter (where "superseded_at" is null) as "live", count(*) as "all", sum("referred_cents") filter (where "superseded_at" is null) as "referred" from "judge_decision" where "source" = 'spreadsheet'`,
  ))[0]!
  t.same(await count(), { live: '8', all: '8', referred: '300' })
  t.match((await liquidator.get('/liquidation/tribunal')).body, /8 décision\(s\) du juge-commissaire enregistrée\(s\)/)
  t.equal((await liquidator.upload('/liquidation/tribunal/decisions', {}, [{ filename: 'decisions.xlsx', content: good }])).statusCode, 303)
  t.same(await count(), { live: '8', all: '8', referred: '300' }, 'the same file twice records nothing more')

  // The exported état, filled in for one more claim and sent back: only that row is a new decision.
  const etat = (await liquidator.get('/liquidation/tribunal/etat-des-creances.csv')).body
  const [header, ...lines] = parse(etat.slice(1), { delimiter: ';' }) as string[][]
  const col = (name: string) => header!.indexOf(name)
  const next = claims[9]!
  const filled = lines.map((l) => (l[col('n° de déclaration')] === next.number ? l.map((cell, i) => i === col('admis par le juge-commissaire (€)') ? '0' : i === col('rejeté par le juge-commissaire (€)') ? '0' : i === col('instance en cours ou renvoyé (€)') ? cell : i === col('date de la décision') ? '17/06/2025' : i === col('référence de la décision') ? 'ORD-RT' : cell) : l))
  const target = filled.find((l) => l[0] === next.number)!
  target[col('instance en cours ou renvoyé (€)')] = formatDecimal(await declaredOf(next.id))
  const back = await liquidator.upload('/liquidation/tribunal/decisions', {}, [{ filename: 'etat.csv', content: Buffer.from('\uFEFF' + stringify([header!, ...filled], { delimiter: ';' })) }])
  t.equal(back.statusCode, 303, 'the état comes back as a decisions file')
  t.same(await count(), { live: '9', all: '9', referred: String(300 + (await declaredOf(next.id))) }, 'one new decision, the wholly referred claim')
})

t.test('every amount of the list and of the état equals the sum of its lines, in cents, in CSV and XLSX', async (t) => {
  const lines = await em.execute<{ number: string; declared: string }[]>(
    `select c."number", sum(l."amount_cents") as "declared" from "claim" c join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
     join "claim_line" l on l."version_id" = v."id" group by c."number"`,
  )
  const truth = new Map(lines.map((l) => [l.number, Number(l.declared)]))
  const judged = new Map((await em.execute<{ number: string; admitted: string; rejected: string; referred: string }[]>(
    `select c."number", j."admitted_cents" as "admitted", j."rejected_cents" as "rejected", j."referred_cents" as "referred" from "judge_decision" j join "claim" c on c."id" = j."claim_id" where j."superseded_at" is null`,
  )).map((j) => [j.number, { admitted: Number(j.admitted), rejected: Number(j.rejected), referred: Number(j.referred) }]))
  t.equal(judged.size, 10, 'ten claims decided by the earlier tests')
  const declaredTotal = [...truth.values()].reduce((a, b) => a + b, 0)
  const admittedTotal = [...judged.values()].reduce((a, j) => a + j.admitted, 0)
  t.ok((await liquidator.get('/liquidation/tribunal')).body.includes(`40 déclaration(s), ${formatEuros(declaredTotal)} déclarés ; 10 décidée(s) par le juge-commissaire, ${formatEuros(admittedTotal)} admis.`), 'the court page’s figures equal the lines and the decisions')
  for (const file of ['liste-des-creances', 'etat-des-creances']) {
    const res = await liquidator.get(`/liquidation/tribunal/${file}.csv`)
    t.equal(res.statusCode, 200)
    t.ok(res.body.startsWith('\uFEFFn° de déclaration;créancier;SIRET'), `${file}: BOM and semicolons`)
    const [header, ...rows] = parse(res.body.slice(1), { delimiter: ';' }) as string[][]
    const col = (name: string) => header!.indexOf(name)
    t.equal(rows.length, 40)
    for (const row of rows) {
      const number = row[col('n° de déclaration')]!
      if (cents(row[col('montant déclaré (€)')]!) !== truth.get(number)) t.fail(`${file} ${number}: declared ≠ lines`)
      if (file === 'liste-des-creances') {
        const sum = cents(row[col('proposé à l’admission (€)')]!) + cents(row[col('contesté ou rejeté (€)')]!) + cents(row[col('en attente (€)')]!)
        if (sum !== truth.get(number)) t.fail(`${number}: admit + contested + pending ≠ lines`)
      } else if (judged.has(number)) {
        const j = judged.get(number)!
        if (cents(row[col('admis par le juge-commissaire (€)')]!) !== j.admitted || cents(row[col('rejeté par le juge-commissaire (€)')]!) !== j.rejected || cents(row[col('instance en cours ou renvoyé (€)')]!) !== j.referred) t.fail(`${number}: judge amounts`)
        if (j.admitted + j.rejected + j.referred !== truth.get(number)) t.fail(`${number}: admitted + rejected + referred ≠ lines`)
        if (!/^\d{2}\/\d{2}\/\d{4}$/u.test(row[col('date de la décision')]!)) t.fail(`${number}: the decision's date is not jj/mm/aaaa`)
      } else if (row[col('admis par le juge-commissaire (€)')] !== '') t.fail(`${number}: a decision shown where none was made`)
    }
    t.pass(`${file}.csv: every amount checked against the lines`)
    const xlsx = await liquidator.get(`/liquidation/tribunal/${file}.xlsx`)
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    const sheet = book.worksheets[0]!
    const titles = (sheet.getRow(1).values as unknown[]).map(String)
    const at = (name: string) => titles.indexOf(name)
    let total = 0
    let judgedTotal = 0
    const last = sheet.getRow(sheet.rowCount)
    t.match(String(last.getCell(1).value), /^Total \(40 créances\)$/u, `${file}.xlsx: a totals row`)
    t.equal(Math.round(Number((last.getCell(at('montant déclaré (€)')).value as { result: number }).result) * 100), [...truth.values()].reduce((a, b) => a + b, 0), `${file}.xlsx: the total declared is the lines' sum`)
    sheet.eachRow((row, n) => {
      if (n === 1 || n === sheet.rowCount) return
      const declaredCell = row.getCell(at('montant déclaré (€)'))
      if (typeof declaredCell.value !== 'number' || !/€/u.test(declaredCell.numFmt)) t.fail(`${file}.xlsx row ${n}: the declared amount is not a number in euros`)
      total += Math.round(Number(declaredCell.value) * 100)
      if (file === 'etat-des-creances' && row.getCell(at('admis par le juge-commissaire (€)')).value !== null) {
        judgedTotal += ['admis par le juge-commissaire (€)', 'rejeté par le juge-commissaire (€)', 'instance en cours ou renvoyé (€)'].reduce((sum, name) => sum + Math.round(Number(row.getCell(at(name)).value) * 100), 0)
        if (!(row.getCell(at('date de la décision')).value instanceof Date)) t.fail(`${file}.xlsx row ${n}: the decision's date is not a date`)
      }
    })
    t.equal(total, [...truth.values()].reduce((a, b) => a + b, 0), `${file}.xlsx: declared amounts are numbers summing to the lines`)
    if (file === 'etat-des-creances') t.equal(judgedTotal, [...judged.keys()].reduce((sum, number) => sum + (truth.get(number) ?? 0), 0), 'the judge’s amounts in the XLSX sum to the decided claims’ lines')
    const pdf = await liquidator.get(`/liquidation/tribunal/${file}.pdf`)
    t.equal(pdf.headers['content-type'], 'application/pdf')
    writeFileSync(join(dir, `${file}.pdf`), pdf.rawPayload)
    const text = execFileSync('pdftotext', ['-layout', join(dir, `${file}.pdf`), '-']).toString()
    t.match(text, file === 'liste-des-creances' ? /Liste des créances déclarées/ : /État des créances/)
    t.match(text, /Total déclaré \(40 créances\)/)
    // Each claim's row starts on a line holding its number and its declared amount; the total is their sum.
    const pdfLines = text.split('\n')
    for (const [number, declared] of truth) {
      const line = pdfLines.find((l) => l.includes(number))
      const amount = line && /(\d{1,3}(?:[\s\u00a0]\d{3})*,\d{2})\s?€/u.exec(line)?.[1]
      if (!amount || cents(amount) !== declared) t.fail(`${file}.pdf ${number}: declared ${amount} ≠ lines`)
    }
    const totalText = /Total déclaré \(40 créances\)\s+([\d\s\u00a0]+,\d{2})\s?€/u.exec(text)?.[1] ?? ''
    t.equal(cents(totalText.trim()), [...truth.values()].reduce((a, b) => a + b, 0), `${file}.pdf: every row's declared amount and the total equal the lines`)
    if (file === 'etat-des-creances') {
      t.match(text, /à rendre/, 'claims awaiting the judge')
      t.match(text, /Instance en cours ou renvoi devant la juridiction compétente/)
      t.match(text, /Créances en attente de la décision du juge-commissaire\s+30/u)
    }
  }
})

t.test('the deposit of the état opens a one-month objection window, shown on the court page and the desk', async (t) => {
  await liquidator.get('/liquidation/tribunal')
  const today = todayInParis(new Date())
  const published = addDays(today, -3)
  const fr = (iso: string) => iso.split('-').reverse().join('/')
  t.equal((await liquidator.post('/liquidation/tribunal/depot', { depositedOn: fr(addDays(today, -10)), publishedOn: fr(addDays(today, -20)) })).statusCode, 400, 'published before deposited')
  t.equal((await liquidator.post('/liquidation/tribunal/depot', { depositedOn: fr(addDays(today, -10)), publishedOn: fr(published) })).statusCode, 303)
  const until = objectionDeadline(published).split('-').reverse().join('/')
  for (const path of ['/liquidation/tribunal', '/liquidation']) {
    const body = (await liquidator.get(path)).body
    t.match(body, /réclamations (possibles )?jusqu’au <strong>/u, path)
    t.ok(body.includes(new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${objectionDeadline(published)}T12:00:00Z`)).replace(/^1 /u, '1er ')) || body.includes(until), `${path}: the deadline`)
  }
})

t.test('the bundle: a job streams a ZIP whose manifest gives every file’s true SHA-256', async (t) => {
  await liquidator.get('/liquidation/tribunal')
  const queued = await liquidator.post('/liquidation/tribunal/dossiers', {})
  t.equal(queued.statusCode, 303)
  const location = String(queued.headers.location)
  let body = ''
  for (let i = 0; i < 300; i++) {
    const page = await liquidator.get(location)
    body = page.body
    if (!page.headers.refresh) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.match(body, /prêt/)
  const zip = await liquidator.get(`${location}/archive`)
  t.equal(zip.headers['content-type'], 'application/zip')
  const path = join(dir, 'dossier.zip')
  writeFileSync(path, zip.rawPayload)
  const out = join(dir, 'unzipped')
  execFileSync('unzip', ['-q', path, '-d', out])
  const manifest = JSON.parse(readFileSync(join(out, 'manifeste.json'), 'utf8')) as { files: { path: string; sha256: string; bytes: number }[] }
  t.ok(manifest.files.length >= 40 + 6, 'claim PDFs and the six statement files')
  for (const f of manifest.files) {
    const bytes = readFileSync(join(out, f.path))
    if (createHash('sha256').update(bytes).digest('hex') !== f.sha256 || bytes.length !== f.bytes) t.fail(`${f.path}: manifest disagrees`)
  }
  t.pass('every file matches its manifest line')
  t.ok(manifest.files.some((f) => /\/declaration-v1\.pdf$/u.test(f.path)))
  t.match(readFileSync(join(out, 'manifeste.csv'), 'utf8'), /^\uFEFFchemin;octets;sha256;contenu/u)
})

t.test('a bundle is deleted a week after it was made; the page and the link say so', async (t) => {
  const varDir = runtime.config.varDir
  const [made] = await em.execute<{ id: string }[]>(`select "id" from "court_bundle" where "status" = 'done' order by "finished_at" desc limit 1`)
  if (!made) return t.fail('no bundle made by the test above')
  t.ok(existsSync(bundlePath(varDir, made.id)), 'its ZIP is on disk')
  await em.execute(`update "court_bundle" set "finished_at" = now() - interval '8 days' where "id" = ?`, [made.id])
  // A recent one (six days) stays.
  const recent = crypto.randomUUID()
  await em.execute(
    `insert into "court_bundle" ("id", "procedure_id", "status", "requested_by", "requested_at", "finished_at") values (?, ?, 'done', ?, now() - interval '6 days', now() - interval '6 days')`,
    [recent, procedureId, account.id],
  )
  writeFileSync(bundlePath(varDir, recent), 'PK')
  const expired = await expireBundles(runtime.orm, varDir)
  t.same(expired, [made.id], 'only the one made more than seven days ago')
  t.notOk(existsSync(bundlePath(varDir, made.id)), 'its ZIP is deleted')
  t.ok(existsSync(bundlePath(varDir, recent)), 'the recent one is kept')
  const [event] = await em.execute<{ n: string }[]>(`select count(*) as "n" from "audit_event" where "action" = 'bundle.expired' and "entity_id" = ?`, [made.id])
  t.equal(Number(event?.n), 1, 'audited')
  t.match((await liquidator.get(`/liquidation/tribunal/dossiers/${made.id}`)).body, /effacé après 7 jours : préparez-le à nouveau/)
  const link = await liquidator.get(`/liquidation/tribunal/dossiers/${made.id}/archive`)
  t.equal(link.statusCode, 404)
  t.match(link.body, /effacé 7 jours après sa préparation/)
  t.same(await expireBundles(runtime.orm, varDir), [], 'a second run has nothing to do')
})

t.test('a bundle of a selection: its claims only, with their letter and evidence; a file referenced twice appears once per path', async (t) => {
  const [a, b] = [claims[3]!, claims[4]!]
  const doc = await PDFDocument.create()
  doc.addPage()
  const piece = await runtime.files.put(Readable.from([Buffer.from(await doc.save())]), { maxBytes: 1024 * 1024 })
  // The same stored file: twice under one name in claim a, once more under another name, and in claim b.
  for (const [claimId, name] of [[a.id, 'facture.pdf'], [a.id, 'facture.pdf'], [a.id, 'copie.pdf'], [b.id, 'facture.pdf']] as const) {
    await em.execute(
      `insert into "evidence" ("id", "claim_id", "sha256", "size_bytes", "mime", "kind", "original_name", "uploaded_at") values (?, ?, ?, ?, 'application/pdf', 'invoice', ?, now())`,
      [crypto.randomUUID(), claimId, piece.sha256, piece.sizeBytes, name],
    )
  }
  await liquidator.get('/liquidation')
  // The queue's form sends the ticked claims as repeated fields.
  const queued = await app.inject({
    method: 'POST',
    url: '/liquidation/tribunal/dossiers',
    payload: new URLSearchParams([['claims', a.id], ['claims', b.id], ['_csrf', liquidator.csrf() ?? '']]).toString(),
    headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: [...liquidator.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  })
  t.equal(queued.statusCode, 303)
  const location = String(queued.headers.location)
  for (let i = 0; i < 300 && (await liquidator.get(location)).headers.refresh; i++) await new Promise((resolve) => setTimeout(resolve, 200))
  t.match((await liquidator.get(location)).body, /2 déclaration\(s\) — prêt/)
  const path = join(dir, 'selection.zip')
  writeFileSync(path, (await liquidator.get(`${location}/archive`)).rawPayload)
  const out = join(dir, 'selection')
  execFileSync('unzip', ['-q', path, '-d', out])
  const manifest = JSON.parse(readFileSync(join(out, 'manifeste.json'), 'utf8')) as { files: { path: string; sha256: string; bytes: number }[] }
  const paths = manifest.files.map((f) => f.path)
  t.equal(new Set(paths).size, paths.length, 'no path twice')
  const folders = new Set(paths.filter((p) => p.includes('/')).map((p) => p.split('/')[0]!))
  t.equal(folders.size, 2)
  t.ok([...folders].every((f) => f.startsWith(`${a.number}-`) || f.startsWith(`${b.number}-`)), 'only the selected claims')
  t.equal(paths.filter((p) => p.startsWith(a.number) && p.endsWith('/pieces/facture.pdf')).length, 1, 'the same file under the same name: once')
  t.ok(paths.some((p) => p.startsWith(a.number) && p.endsWith('/pieces/copie.pdf')), 'under another name: its own path')
  t.ok(paths.some((p) => p.startsWith(b.number) && p.endsWith('/pieces/facture.pdf')), 'in another claim: its own path')
  t.ok(paths.some((p) => p.startsWith(a.number) && /\/contestation-[^/]+\.pdf$/u.test(p)), 'the contestation letter')
  for (const f of manifest.files) {
    const bytes = readFileSync(join(out, f.path))
    if (createHash('sha256').update(bytes).digest('hex') !== f.sha256 || bytes.length !== f.bytes) t.fail(`${f.path}: manifest disagrees`)
  }
  t.equal(manifest.files.find((f) => f.path.endsWith('/pieces/copie.pdf'))?.sha256, piece.sha256, 'the evidence as stored')
  const [, ...rows] = parse(readFileSync(join(out, 'etat-des-creances.csv'), 'utf8').slice(1), { delimiter: ';' }) as string[][]
  t.same(rows.map((r) => r[0]).sort(), [a.number, b.number].sort(), 'the état of the selection')
})

t.test('a bundle that cannot be written fails without leaving a partial archive', async (t) => {
  const claim = claims[5]!
  const missing = 'f'.repeat(64)
  const evidenceId = crypto.randomUUID()
  await em.execute(
    `insert into "evidence" ("id", "claim_id", "sha256", "size_bytes", "mime", "kind", "original_name", "uploaded_at") values (?, ?, ?, 10, 'application/pdf', 'invoice', 'perdue.pdf', now())`,
    [evidenceId, claim.id, missing],
  )
  t.teardown(() => em.execute(`delete from "evidence" where "id" = ?`, [evidenceId]).then(() => undefined))
  const target = join(dir, 'broken.zip')
  await t.rejects(writeBundle(runtime.orm.em.fork(), runtime.files, { procedureId, claimIds: [claim.id], target, debtor: '#APTIC' }), 'a stored file missing ends the bundle')
  t.notOk(existsSync(target) || existsSync(`${target}.part`), 'nothing left on disk')
  // Through the job's body (not queued: the workers would run it too): the page says what happened in words, without the server's paths.
  const bundleId = crypto.randomUUID()
  await em.execute(`insert into "court_bundle" ("id", "procedure_id", "claim_ids", "requested_by", "requested_at") values (?, ?, ?::uuid[], ?, now())`, [bundleId, procedureId, `{${claim.id}}`, account.id])
  await t.rejects(runBundle({ orm: runtime.orm, files: runtime.files, varDir: runtime.config.varDir }, bundleId))
  await liquidator.get('/liquidation/tribunal')
  const page = (await liquidator.get(`/liquidation/tribunal/dossiers/${bundleId}`)).body
  t.match(page, /La préparation a échoué : un fichier du dossier est introuvable/)
  t.notMatch(page, /ENOENT|\/tmp\//u)
})
