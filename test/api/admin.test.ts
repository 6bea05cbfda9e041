// The administrator's page creates professional accounts; abuse-prone forms are rate limited.
import t from 'tap'
import { currentTotp } from '../../server/lib/totp.ts'
import { Account } from '../../server/modules/accounts/entities.ts'
import { slowDownForm } from '../../server/modules/accounts/throttle.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client } from '../helpers/client.ts'
import { STRONG_PASSWORD, mailsTo, makeProfessional, makeStructure } from '../helpers/accounts.ts'

const { app, runtime } = await buildTestApp(t)
const orm = runtime.orm

t.test('an administrator creates a ministry account from the page', async (t) => {
  const { secret } = await makeProfessional(orm, 'admin', 'root@admin.example')
  const admin = client(app)
  await admin.post('/connexion', { email: 'root@admin.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  await admin.post('/connexion/second-facteur', { code: currentTotp(secret) }, { from: '/connexion/second-facteur' })
  const missing = await admin.post('/admin/comptes', { email: 'dge@finances.example', displayName: 'Claire Dubois', role: '' }, { from: '/admin/comptes' })
  t.equal(missing.statusCode, 400)
  t.match(missing.body, /id="role"[^>]*aria-invalid="true"/)
  const created = await admin.follow(await admin.post('/admin/comptes', { email: 'dge@finances.example', displayName: 'Claire Dubois', role: 'ministry' }, { from: '/admin/comptes' }))
  t.match(created.body, /Compte créé/)
  t.match(created.body, /dge@finances\.example/)
  const account = await orm.em.fork().findOneOrFail(Account, { email: 'dge@finances.example' })
  t.equal(account.role, 'ministry')
  t.equal(account.passwordHash, null, 'no password until the person chooses one')
  t.equal((await mailsTo(orm, 'dge@finances.example', 'professional-account')).length, 1)
})

t.test('a structure member cannot reach the administration', async (t) => {
  await makeStructure(orm, { siret: '73282932000074', name: 'Association', members: ['a@asso.example'] })
  const member = client(app)
  await member.post('/connexion', { email: 'a@asso.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  const refused = await member.get('/admin/comptes')
  t.equal(refused.statusCode, 403)
  t.match(refused.body, /Mon compte/, 'the error page keeps the navigation of the person logged in')
  const post = await member.post('/admin/comptes', { email: 'x@y.example', displayName: 'X', role: 'admin' }, { from: '/compte' })
  t.equal(post.statusCode, 403)
  t.equal(await orm.em.fork().count(Account, { email: 'x@y.example' }), 0)
})

t.test('sign-up is rate limited per address: the 11th attempt in 15 minutes is refused', async (t) => {
  const c = client(app)
  const statuses: number[] = []
  for (let i = 0; i < 11; i++) statuses.push((await c.post('/inscription', { siret: '1' }, { from: '/inscription' })).statusCode)
  t.same(statuses.slice(0, 10), Array(10).fill(400))
  t.equal(statuses[10], 429)
})

t.test('repeated sign-ups or resets from one address are slowed progressively, then refused', async (t) => {
  const em = orm.em.fork()
  const waits: number[] = []
  const sleep = async (ms: number) => void waits.push(ms)
  for (let i = 0; i < 9; i++) await slowDownForm(em, 'password_reset', '10.1.2.3', { baseMs: 250, sleep })
  t.same(waits, [250, 500, 1000, 2000, 4000, 4000], 'three at once, then doubling up to 4 s')
  const other = await slowDownForm(em, 'password_reset', '10.9.9.9', { baseMs: 250, sleep })
  t.equal(other, 0, 'counted per address')
  t.equal(await slowDownForm(em, 'signup', '10.1.2.3', { baseMs: 250, sleep }), 0, 'and per form')
})
