// A structure drafts its claim: opens it, adds passes one by one or as a pasted list, sees the
// totals and the checklist; the administrator's BODACC date starts the countdown.
import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
import { currentTotp } from '../../server/lib/totp.ts'
import { Claim, ClaimLine, ClaimVersion } from '../../server/modules/claims/entities.ts'
import { Procedure } from '../../server/modules/procedure/entities.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client } from '../helpers/client.ts'
import { STRONG_PASSWORD, makeProfessional, makeStructure } from '../helpers/accounts.ts'

const { app, runtime } = await buildTestApp(t)
const orm = runtime.orm
await seedDemo(orm) // the #APTIC procedure
await orm.em.fork().nativeUpdate(Procedure, {}, { bodaccPublicationDate: null }) // as in reality: not entered yet
const { structure } = await makeStructure(orm, { siret: '35600000000048', name: 'Point numérique', members: ['eva@point.example'] })
const eva = client(app)
await eva.post('/connexion', { email: 'eva@point.example', password: STRONG_PASSWORD }, { from: '/connexion' })
const base = `/structures/${structure.id}/declaration`
const lines = async () => orm.em.fork().count(ClaimLine, {})

t.test('a structure opens its claim once, with a human-readable number', async (t) => {
  t.match((await eva.get(base)).body, /Commencer ma déclaration/)
  await eva.post(base, {})
  await eva.post(base, {}, { from: base })
  const claims = await orm.em.fork().find(Claim, { structureId: structure.id })
  t.equal(claims.length, 1, 'one claim per structure and procedure')
  t.match(claims[0]?.number, /^APTIC-2024-\d{6}$/)
  const home = await eva.get(base)
  t.match(home.body, /brouillon/)
  t.match(home.body, /Ajoutez les pass non remboursés/)
})

t.test('a typed pass is normalised and checked against the procedure pattern', async (t) => {
  const bad = await eva.post(`${base}/lignes`, { identifier: 'PN-19', serviceDate: '31/02/2023' }, { from: `${base}/lignes` })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="identifier"[^>]*aria-invalid="true"/)
  t.match(bad.body, /id="serviceDate"[^>]*aria-invalid="true"/)
  t.equal(await lines(), 0)
  const good = await eva.post(`${base}/lignes`, { identifier: 'pn 2019 a000 1234', serviceDate: '12/12/2023', scanDate: '13/12/2023' }, { from: `${base}/lignes` })
  t.equal(good.statusCode, 302)
  const [line] = await orm.em.fork().find(ClaimLine, {})
  t.equal(line?.identifier, 'PN2019A0001234')
  t.equal(line?.amountCents, 1000, 'the procedure face value')
  t.equal(line?.afterJudgment, false)
  const dup = await eva.post(`${base}/lignes`, { identifier: 'PN2019A0001234' }, { from: `${base}/lignes` })
  t.equal(dup.statusCode, 409, 'the same pass twice in one claim is refused')
})

t.test('a different value needs a reason', async (t) => {
  const res = await eva.post(`${base}/lignes`, { identifier: 'PN2019A0001299', faceValue: '5,00' }, { from: `${base}/lignes` })
  t.equal(res.statusCode, 400)
  t.match(res.body, /id="faceValueReason"[^>]*aria-invalid="true"/)
  const ok = await eva.post(`${base}/lignes`, { identifier: 'PN2019A0001299', faceValue: '5,00', faceValueReason: 'demi-pass (carnet 50 €)' }, { from: `${base}/lignes` })
  t.equal(ok.statusCode, 302)
})

t.test('a pasted list is all or nothing, with each bad entry located', async (t) => {
  const before = await lines()
  const bad = await eva.post(`${base}/liste`, { list: 'PN2019A0002001\nPN2019A0002002\nxx\nPN2019A0002001' }, { from: `${base}/lignes` })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /n° 3/)
  t.match(bad.body, /figure déjà au n° 1/)
  t.equal(await lines(), before, 'nothing added')
  const ok = await eva.post(`${base}/liste`, { list: 'PN2019A0002001\nPN2019A0002002 PN2020B0000009; PN2024C0000001' }, { from: `${base}/lignes` })
  t.equal(ok.statusCode, 302)
  t.equal(await lines(), before + 4)
})

t.test('the home page shows the totals and what is missing before submission', async (t) => {
  const home = await eva.get(base)
  t.match(home.body, /id="total-echu">55,00\u00a0€/, '5 passes at 10 € and one at 5 €')
  t.match(home.body, /Justificatif pour les pass déclarés/)
  t.match(home.body, /date de publication au BODACC non encore connue/)
  t.match(home.body, /L622-28/)
})

t.test('the administrator sets the BODACC date and the countdown appears', async (t) => {
  const { secret } = await makeProfessional(orm, 'admin', 'admin@claims.example')
  const admin = client(app)
  await admin.post('/connexion', { email: 'admin@claims.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  await admin.post('/connexion/second-facteur', { code: currentTotp(secret) }, { from: '/connexion/second-facteur' })
  const page = await admin.get('/admin/procedure')
  t.equal(page.statusCode, 200)
  const form = Object.fromEntries([...page.body.matchAll(/name="(\w+)"[^>]*value="([^"]*)"/g)].map((m) => [m[1], m[2]])) as Record<string, string>
  const today = new Date()
  const recent = `${String(today.getDate()).padStart(2, '0')}/${String(today.getMonth() + 1).padStart(2, '0')}/${today.getFullYear()}`
  const bad = await admin.post('/admin/procedure', { ...form, bodaccPublicationDate: '01/01/2023', identifierUppercase: 'on', identifierStripSeparators: 'on' })
  t.equal(bad.statusCode, 400, 'before the judgment')
  const saved = await admin.post('/admin/procedure', { ...form, bodaccPublicationDate: recent, liquidatorEmail: 'mandataire@etude.example', identifierUppercase: 'on', identifierStripSeparators: 'on' }, { from: '/admin/procedure' })
  t.equal(saved.statusCode, 302)
  const home = await eva.get(base)
  t.match(home.body, /Date limite de déclaration : .* encore \d+ jour/)
})

t.test('the database itself refuses to change the lines of a submitted version', async (t) => {
  const em = orm.em.fork()
  const version = await em.findOneOrFail(ClaimVersion, { version: 1 })
  const conn = em.getConnection()
  await conn.execute(`update claim_version set status = 'submitted', submitted_at = now(), signer_name = 'x', pdf_sha256 = repeat('0', 64) where id = ?`, [version.id])
  await t.rejects(conn.execute(`delete from claim_line where version_id = ?`, [version.id]), /frozen/)
  await t.rejects(conn.execute(`update claim_line set amount_cents = 1 where version_id = ?`, [version.id]), /frozen/)
  await t.rejects(
    conn.execute(`insert into claim_line (id, version_id, kind, identifier, face_value_cents, amount_cents, source, created_at)
                  values (gen_random_uuid(), ?, 'pass', 'PN2019A0008888', 1000, 1000, 'typed', now())`, [version.id]),
    /frozen/,
    'not even a direct insert',
  )
  const res = await eva.post(`${base}/lignes`, { identifier: 'PN2019A0009999' }, { from: `${base}/lignes` })
  t.notOk((await eva.get(`${base}/lignes`)).body.includes('name="identifier"'), 'no edit form on a submitted version')
  t.equal(res.statusCode, 409)
})

t.test('an unpaid subscription and an invoice after the judgment: échu and à échoir', async (t) => {
  await orm.em.fork().getConnection().execute(`update claim_version set status = 'draft', submitted_at = null, signer_name = null, pdf_sha256 = null`)
  const bad = await eva.post(`${base}/autres`, { otherKind: 'invoice', label: 'Formation', invoiceNumber: '', invoiceDate: '', amount: 'abc' }, { from: `${base}/lignes` })
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /id="invoiceNumber"[^>]*aria-invalid="true"/)
  t.equal((await eva.post(`${base}/autres`, { otherKind: 'subscription', label: '', invoiceNumber: '', invoiceDate: '', amount: '77,00' }, { from: `${base}/lignes` })).statusCode, 302)
  t.equal((await eva.post(`${base}/autres`, { otherKind: 'invoice', label: 'Formation', invoiceNumber: 'F-2024-12', invoiceDate: '15/03/2024', amount: '120,00' }, { from: `${base}/lignes` })).statusCode, 302)
  const home = await eva.get(base)
  t.match(home.body, /id="total-echu">132,00\u00a0€/, '55 € of passes + the 77 € subscription')
  t.match(home.body, /Créance à échoir<\/dt><dd>120,00\u00a0€/, 'the invoice dated after the judgment')
})

t.test('a pass line of the draft can be corrected; a clash with another line is refused', async (t) => {
  const [line] = await orm.em.fork().find(ClaimLine, { identifier: 'PN2019A0002001' })
  const url = `${base}/lignes/${line?.id}/modifier`
  const form = await eva.get(url)
  t.match(form.body, /value="PN2019A0002001"/)
  const clash = await eva.post(url, { identifier: 'PN2019A0002002', faceValue: '10,00' })
  t.equal(clash.statusCode, 409)
  const ok = await eva.post(url, { identifier: 'PN2019A0002009', serviceDate: '02/01/2024', faceValue: '10,00' }, { from: url })
  t.equal(ok.statusCode, 302)
  const changed = await orm.em.fork().findOneOrFail(ClaimLine, { id: line?.id })
  t.equal(changed.identifier, 'PN2019A0002009')
  t.equal(changed.serviceDate, '2024-01-02')
})
