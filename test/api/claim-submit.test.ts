// Submitting a claim: signed and certified, idempotent, frozen, documented by a PDF whose text
// carries every L622-25 / R622-23 element, acknowledged by mail with the PDF attached.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
import { Procedure } from '../../server/modules/procedure/entities.ts'
import { ClaimLine, ClaimVersion } from '../../server/modules/claims/entities.ts'
import { verifyAuditChain } from '../../server/modules/audit/service.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client } from '../helpers/client.ts'
import { STRONG_PASSWORD, mailsTo, makeStructure } from '../helpers/accounts.ts'

const { app, runtime } = await buildTestApp(t)
const orm = runtime.orm
await seedDemo(orm)
const today = new Date().toISOString().slice(0, 10)
await orm.em.fork().nativeUpdate(Procedure, {}, { bodaccPublicationDate: today, liquidatorEmail: 'mandataire@etude.example', liquidatorName: 'SELARL Mandataire', court: 'Tribunal judiciaire de Bordeaux' })
const { structure } = await makeStructure(orm, { siret: '35600000000048', name: 'Point numérique de Cenon', members: ['eva@cenon.example', 'ali@cenon.example'] })
const eva = client(app)
await eva.post('/connexion', { email: 'eva@cenon.example', password: STRONG_PASSWORD }, { from: '/connexion' })
const base = `/structures/${structure.id}/declaration`
await eva.post(base, {}, { from: base })
await eva.post(`${base}/liste`, { list: 'PN2019A0000001 PN2019A0000002 PN2019A0000003' }, { from: `${base}/lignes` })
await eva.post(`${base}/lignes`, { identifier: 'PN2020B0000004', serviceDate: '20/02/2024' }, { from: `${base}/lignes` })

t.test('submission waits for evidence, then for a complete signature', async (t) => {
  const early = await eva.get(`${base}/depot`)
  t.match(early.body, /Le dépôt sera possible quand/)
  const forced = await eva.post(`${base}/depot`, { signerName: 'Eva Martin', signerCapacity: 'présidente', certify: 'on' }, { from: `${base}/depot` })
  t.equal(forced.statusCode, 409, 'no submission without evidence for the passes')
  await eva.get(`${base}/pieces`)
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex')
  await eva.upload(`${base}/pieces`, { kind: 'pass_scans' }, [{ filename: 'carnets.png', content: png }])
  const unsigned = await eva.post(`${base}/depot`, { signerName: 'Eva Martin', signerCapacity: '' }, { from: `${base}/depot` })
  t.equal(unsigned.statusCode, 400)
  t.match(unsigned.body, /id="signerCapacity"[^>]*aria-invalid="true"/)
  t.match(unsigned.body, /id="certify"[^>]*aria-invalid="true"/)
})

let pdfPath = ''
t.test('a complete submission is frozen, documented and acknowledged; a double click changes nothing', async (t) => {
  const form = { signerName: 'Eva Martin', signerCapacity: 'présidente', certify: 'on' }
  await eva.get(`${base}/depot`)
  const token = eva.csrf()
  const [first, second] = await Promise.all([eva.post(`${base}/depot`, form, { csrf: token }), eva.post(`${base}/depot`, form, { csrf: token })])
  t.same([first.statusCode, second.statusCode], [302, 302])
  const versions = await orm.em.fork().find(ClaimVersion, {})
  t.equal(versions.length, 1)
  t.equal(versions[0]?.status, 'submitted')
  t.equal(versions[0]?.dueCents, 3000, 'three passes used before the judgment')
  t.match(versions[0]?.pdfSha256, /^[0-9a-f]{64}$/)
  const home = await eva.follow(first)
  t.match(home.body, /déposée/)

  for (const member of ['eva@cenon.example', 'ali@cenon.example']) {
    const mails = await mailsTo(orm, member, 'claim-acknowledgement')
    t.equal(mails.length, 1, `${member} gets exactly one acknowledgement`)
    t.equal(mails[0]?.attachments[0]?.sha256, versions[0]?.pdfSha256, 'with the PDF attached')
    t.match(mails[0]?.text, /Créance échue : 30,00/)
  }
  t.equal((await mailsTo(orm, 'mandataire@etude.example', 'claim-submitted-notice')).length, 1, 'the liquidator is notified')

  const pdf = await eva.get(`${base}/versions/1.pdf`)
  t.equal(pdf.statusCode, 200)
  t.equal(pdf.headers['content-type'], 'application/pdf')
  t.match(pdf.headers['content-disposition'], /^attachment/)
  pdfPath = join(mkdtempSync(join(tmpdir(), 'claim-pdf-')), 'declaration.pdf')
  writeFileSync(pdfPath, pdf.rawPayload)
  t.equal(await orm.em.fork().count(ClaimLine, {}), 4)
  t.ok((await verifyAuditChain(orm.em.fork())).firstBroken === null, 'the audit chain holds')
})

t.test('the PDF states every element the law asks for', { skip: existsSync('/usr/bin/pdftotext') ? false : 'pdftotext (poppler-utils) is not installed' }, async (t) => {
  const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ')
  for (const expected of [/Point numérique de Cenon/, /356 000 000 00048/, /#APTIC/, /843 739 418/, /16 janvier 2024/, /30,00 €/, /chirographaire/i, /L622-28/, /Eva Martin/, /présidente/, /sincère/, /PN2019A0000001/, /carnets\.png/, /page 1 \/ \d+/i]) {
    t.match(text, expected, `the PDF text contains ${expected}`)
  }
  const [evidence] = await orm.em.fork().getConnection().execute<{ sha256: string }[]>(`select sha256 from evidence`)
  t.match(text.replace(/ /g, ''), evidence?.sha256 as string, 'the bordereau gives the full SHA-256 of each piece')
})

t.test('after submission a correction starts a new draft version with the same lines', async (t) => {
  const res = await eva.post(`${base}/rectifier`, {}, { from: base })
  t.equal(res.statusCode, 302)
  const v2 = await orm.em.fork().findOneOrFail(ClaimVersion, { version: 2 })
  t.equal(v2.kind, 'correction')
  t.equal(v2.status, 'draft')
  t.equal(await orm.em.fork().count(ClaimLine, { versionId: v2.id }), 4)
  t.equal((await eva.get(`${base}/versions/1.pdf`)).statusCode, 200, 'the submitted version keeps its document')
})
