// A structure signs up, confirms its address, logs in; the same SIRET again becomes a join request.
import t from 'tap'
import { Account } from '../../server/modules/accounts/entities.ts'
import { Membership, Structure } from '../../server/modules/structures/entities.ts'
import { verifyAuditChain } from '../../server/modules/audit/service.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client, linkIn } from '../helpers/client.ts'
import { STRONG_PASSWORD, mailsTo } from '../helpers/accounts.ts'

const { app, runtime } = await buildTestApp(t)
const count = async () => {
  const em = runtime.orm.em.fork()
  return { accounts: await em.count(Account, {}), structures: await em.count(Structure, {}), memberships: await em.count(Membership, {}) }
}
const form = (over: Record<string, string> = {}) => ({
  siret: '732 829 320 00074',
  name: 'Espace numérique du Lac',
  communeCode: '33063',
  address: '12 quai du Lac, 33000 Bordeaux',
  contactEmail: 'contact@lac.example',
  displayName: 'Camille Martin',
  email: 'camille@lac.example',
  password: STRONG_PASSWORD,
  ...over,
})

t.test('a SIREN where a SIRET is expected is refused with a message that says so, and nothing is created', async (t) => {
  const c = client(app)
  const res = await c.post('/inscription', form({ siret: '843 739 418' }), { from: '/inscription' })
  t.equal(res.statusCode, 400)
  t.match(res.body, /SIREN/)
  t.match(res.body, /id="siret" [^>]*aria-invalid="true"/, 'the error is tied to the SIRET field')
  t.match(res.body, /value="Espace numérique du Lac"/, 'what was typed is kept')
  t.notMatch(res.body, new RegExp(STRONG_PASSWORD), 'the password is not sent back')
  t.same(await count(), { accounts: 0, structures: 0, memberships: 0 })
})

t.test('a weak password, a bad checksum and an unknown commune are all reported at once', async (t) => {
  const c = client(app)
  const res = await c.post('/inscription', form({ siret: '73282932000075', communeCode: '99999', communeQuery: '' }), { from: '/inscription' })
  t.equal(res.statusCode, 400)
  t.match(res.body, /href="#siret"/)
  t.match(res.body, /href="#communeCode"/)
  t.same(await count(), { accounts: 0, structures: 0, memberships: 0 })
})

t.test('sign-up, confirmation link, login', async (t) => {
  const c = client(app)
  const done = await c.post('/inscription', form(), { from: '/inscription' })
  t.equal(done.statusCode, 200)
  t.match(done.body, /Vérifiez votre messagerie/)
  const structure = await runtime.orm.em.fork().findOneOrFail(Structure, { siret: '73282932000074' })
  t.equal(structure.departementCode, '33')
  t.equal(structure.overseas, false)

  const early = await c.post('/connexion', { email: 'camille@lac.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  t.equal(early.statusCode, 403, 'no login before the address is confirmed')
  t.match(early.body, /pas encore confirmée/)

  const [mail] = await mailsTo(runtime.orm, 'camille@lac.example', 'verify-email')
  t.ok(mail, 'a confirmation mail is queued')
  const verified = await c.follow(await c.get(linkIn(mail!.text, '/verification/')))
  t.match(verified.body, /Adresse confirmée/)
  t.equal((await c.get(linkIn(mail!.text, '/verification/'))).statusCode, 410, 'the link works once')

  const login = await c.post('/connexion', { email: 'Camille@Lac.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  t.equal(login.statusCode, 302)
  const home = await c.follow(login)
  t.equal(home.statusCode, 200)
  t.match(home.body, /Espace numérique du Lac/)
  t.match(home.body, /732 829 320 00074/)
})

t.test('the same SIRET again becomes a request to join, approved by a member', async (t) => {
  const before = await count()
  const applicant = client(app)
  const res = await applicant.post('/inscription', form({ displayName: 'Dominique Petit', email: 'dominique@lac.example', name: 'ignored' }), { from: '/inscription' })
  t.match(res.body, /Vérifiez votre messagerie/)
  const after = await count()
  t.equal(after.structures, before.structures, 'no second structure for one SIRET')
  const [notice] = await mailsTo(runtime.orm, 'camille@lac.example', 'join-request')
  t.match(notice?.text, /Dominique Petit demande à rejoindre/)

  const [verify] = await mailsTo(runtime.orm, 'dominique@lac.example', 'verify-email')
  await applicant.get(linkIn(verify!.text, '/verification/'))
  const waiting = await applicant.follow(await applicant.post('/connexion', { email: 'dominique@lac.example', password: STRONG_PASSWORD }, { from: '/connexion' }))
  t.match(waiting.body, /Demande en attente/)

  const member = client(app)
  await member.post('/connexion', { email: 'camille@lac.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  const structure = await runtime.orm.em.fork().findOneOrFail(Structure, { siret: '73282932000074' })
  const page = await member.get(`/structures/${structure.id}/membres`)
  const membershipId = /demandes\/([0-9a-f-]{36})/.exec(page.body)?.[1]
  t.ok(membershipId, 'the request is listed')
  const decided = await member.post(`/structures/${structure.id}/demandes/${membershipId}`, { decision: 'approve' })
  t.equal(decided.statusCode, 302)
  const [decision] = await mailsTo(runtime.orm, 'dominique@lac.example', 'join-decision')
  t.match(decision?.text, /acceptée/)
  const now = await applicant.follow(await applicant.get('/espace'))
  t.match(now.body, /Espace numérique du Lac/, 'the new member now reaches the structure')
})

t.test('signing up with an address that has an account reveals nothing and creates nothing', async (t) => {
  const before = await count()
  const c = client(app)
  const res = await c.post('/inscription', form({ siret: '35600000000048', name: 'Autre', email: 'camille@lac.example' }), { from: '/inscription' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /Vérifiez votre messagerie/, 'the same answer as a new sign-up')
  t.same(await count(), before)
  t.equal((await mailsTo(runtime.orm, 'camille@lac.example', 'signup-existing-account')).length, 1, 'the owner is told')
})

t.test('every change above is in the audit chain, which verifies', async (t) => {
  const result = await verifyAuditChain(runtime.orm.em.fork())
  t.equal(result.firstBroken, null)
  t.ok(result.checked >= 8)
})
