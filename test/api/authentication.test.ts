// Logging in and staying safe: generic failures, brute-force refusal, password reset, session
// timeouts and rotation, logout everywhere, CSRF, and the second factor of professional accounts.
import t from 'tap'
import { currentTotp } from '../../server/lib/totp.ts'
import { Account, Session } from '../../server/modules/accounts/entities.ts'
import { recordLoginAttempt } from '../../server/modules/accounts/throttle.ts'
import { createProfessionalAccount } from '../../server/modules/accounts/lifecycle.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client, linkIn } from '../helpers/client.ts'
import { STRONG_PASSWORD, mailsTo, makeProfessional, makeStructure } from '../helpers/accounts.ts'

const { app, runtime } = await buildTestApp(t)
const orm = runtime.orm
await makeStructure(orm, { siret: '73282932000074', name: 'Tiers-lieu', members: ['alex@tiers.example', 'sam@tiers.example'] })
const login = (c: ReturnType<typeof client>, email: string, password = STRONG_PASSWORD) =>
  c.post('/connexion', { email, password }, { from: '/connexion' })

t.test('a wrong password and an unknown address get the same answer', async (t) => {
  const wrong = await login(client(app), 'alex@tiers.example', 'not the right one at all')
  const unknown = await login(client(app), 'nobody@tiers.example', 'not the right one at all')
  t.equal(wrong.statusCode, 401)
  t.equal(unknown.statusCode, 401)
  const message = (body: string) => /role="alert"[^]*?<strong>([^<]+)/.exec(body)?.[1]
  t.equal(message(wrong.body), message(unknown.body))
  t.equal(message(wrong.body), 'Adresse électronique ou mot de passe incorrect.')
})

t.test('the 20th wrong password within a minute is refused even if it is right', async (t) => {
  const em = orm.em.fork()
  for (let i = 0; i < 19; i++) await recordLoginAttempt(em, 'sam@tiers.example', '10.9.9.9', false)
  const res = await login(client(app), 'sam@tiers.example')
  t.equal(res.statusCode, 429)
  t.equal(res.headers['retry-after'], '60')
  t.match(res.body, /Trop de tentatives/)
})

t.test('failures from one IP are counted across accounts', async (t) => {
  const em = orm.em.fork()
  for (let i = 0; i < 19; i++) await recordLoginAttempt(em, `user${i}@spray.example`, '127.0.0.1', false)
  const res = await login(client(app), 'alex@tiers.example')
  t.equal(res.statusCode, 429, 'password spraying from one address is stopped')
  await em.getConnection().execute(`delete from login_attempt where ip = '127.0.0.1'`)
})

t.test('a session ends after 30 idle minutes, and at 12 hours whatever happens', async (t) => {
  const c = client(app)
  await login(c, 'alex@tiers.example')
  t.equal((await c.get('/compte')).statusCode, 200)
  const em = orm.em.fork()
  const account = await em.findOneOrFail(Account, { email: 'alex@tiers.example' })
  await em.nativeUpdate(Session, { accountId: account.id, revokedAt: null }, { lastSeenAt: new Date(Date.now() - 31 * 60_000) })
  const idle = await c.get('/compte')
  t.equal(idle.statusCode, 302)
  t.match(idle.headers.location, /^\/connexion\?suite=%2Fcompte/)

  await login(c, 'alex@tiers.example')
  await em.nativeUpdate(Session, { accountId: account.id, revokedAt: null }, { expiresAt: new Date(Date.now() - 1000) })
  t.equal((await c.get('/compte')).statusCode, 302, 'absolute timeout')
})

t.test('logging in rotates the session; logout everywhere ends the other devices', async (t) => {
  const phone = client(app)
  const laptop = client(app)
  await login(phone, 'alex@tiers.example')
  const first = phone.cookies.get('creances_session')
  await login(phone, 'alex@tiers.example')
  t.not(phone.cookies.get('creances_session'), first, 'a new session id at each login')
  await login(laptop, 'alex@tiers.example')
  t.equal((await phone.get('/compte')).statusCode, 200)
  await laptop.post('/deconnexion-partout', {}, { from: '/compte' })
  t.equal((await phone.get('/compte')).statusCode, 302, 'the phone is logged out too')
  t.equal((await laptop.get('/compte')).statusCode, 302)
})

t.test('a state change without the CSRF token is refused and changes nothing', async (t) => {
  const c = client(app)
  await login(c, 'alex@tiers.example')
  const res = await c.post('/deconnexion-partout', {}, { csrf: null })
  t.equal(res.statusCode, 403)
  t.match(res.body, /formulaire a expiré/)
  t.equal((await c.get('/compte')).statusCode, 200, 'still logged in')
})

t.test('password reset: same answer for everyone, single-use link, old sessions closed', async (t) => {
  const c = client(app)
  const unknown = await c.post('/mot-de-passe-oublie', { email: 'ghost@tiers.example' }, { from: '/mot-de-passe-oublie' })
  const known = await c.post('/mot-de-passe-oublie', { email: 'sam@tiers.example' }, { from: '/mot-de-passe-oublie' })
  t.equal(unknown.body.replace(/value="[^"]+"/g, ''), known.body.replace(/value="[^"]+"/g, ''))
  t.equal((await mailsTo(orm, 'ghost@tiers.example')).length, 0)
  const [mail] = await mailsTo(orm, 'sam@tiers.example', 'password-reset')
  const path = linkIn(mail!.text, '/mot-de-passe/')
  const other = client(app)
  await orm.em.fork().getConnection().execute(`delete from login_attempt`)
  await login(other, 'sam@tiers.example')
  t.equal((await other.get('/compte')).statusCode, 200)

  const weak = await c.post(path, { password: 'azerty123456' }, { from: path })
  t.equal(weak.statusCode, 400)
  t.match(weak.body, /trop facile à deviner/)
  const ok = await c.post(path, { password: 'Marée-haute sur Groix 1923' }, { from: path })
  t.equal(ok.statusCode, 302)
  t.equal((await c.get(path)).statusCode, 410, 'the link is used up')
  t.equal((await other.get('/compte')).statusCode, 302, 'sessions opened with the old password are closed')
  t.equal((await login(client(app), 'sam@tiers.example', 'Marée-haute sur Groix 1923')).statusCode, 302)
})

t.test('a professional account: created by an administrator, password by link, then TOTP enrolment', async (t) => {
  const mail = { boss: runtime.boss, templates: runtime.templates, mailFrom: 'x@y.z', publicUrl: 'http://localhost' }
  await orm.em.fork().transactional((em) =>
    createProfessionalAccount(em, mail, { email: 'liquidateur@etude.example', displayName: 'Me Durand', role: 'liquidator' }, { actor: { id: null, role: 'cli' }, requestId: null }),
  )
  const [invite] = await mailsTo(orm, 'liquidateur@etude.example', 'professional-account')
  const c = client(app)
  const path = linkIn(invite!.text, '/mot-de-passe/')
  await c.post(path, { password: STRONG_PASSWORD }, { from: path })
  const first = await login(c, 'liquidateur@etude.example')
  t.equal(first.headers.location, '/compte/second-facteur', 'enrolment is forced at first login')
  t.equal((await c.get('/historique')).headers.location, '/connexion/second-facteur', 'nothing else before the second factor')
  const enrol = await c.get('/compte/second-facteur')
  t.match(enrol.body, /data:image\/png;base64/, 'a QR code to scan')
  const secret = (await orm.em.fork().findOneOrFail(Account, { email: 'liquidateur@etude.example' })).totpSecret as string
  const wrong = await c.post('/compte/second-facteur', { code: '000000' })
  t.equal(wrong.statusCode, 400)
  const enabled = await c.post('/compte/second-facteur', { code: currentTotp(secret) })
  t.equal(enabled.statusCode, 302)
  t.equal((await c.get('/historique')).statusCode, 200)
  // The seed is stored sealed with a key kept outside the database (var/sealing.key here).
  const [raw] = await orm.em.fork().execute<{ totp_secret: string }[]>(`select "totp_secret" from "account" where "email" = 'liquidateur@etude.example'`)
  t.match(raw?.totp_secret, /^v1\./u)
  t.notMatch(raw?.totp_secret, secret, 'the seed does not appear in the database')
})

t.test('a professional logs in with a TOTP code, which cannot be replayed', async (t) => {
  const { secret } = await makeProfessional(orm, 'admin', 'admin@ministere.example')
  const [raw] = await orm.em.fork().execute<{ totp_secret: string }[]>(`select "totp_secret" from "account" where "email" = 'admin@ministere.example'`)
  t.match(raw?.totp_secret, /^v1\./u, 'sealed on a bulk update too')
  const c = client(app)
  const res = await login(c, 'admin@ministere.example')
  t.match(res.headers.location, /^\/connexion\/second-facteur/)
  t.equal((await c.get('/admin/comptes')).statusCode, 302)
  const code = currentTotp(secret)
  t.equal((await c.post('/connexion/second-facteur', { code }, { from: '/connexion/second-facteur' })).statusCode, 302)
  t.equal((await c.get('/admin/comptes')).statusCode, 200)
  const again = client(app)
  await login(again, 'admin@ministere.example')
  const replay = await again.post('/connexion/second-facteur', { code }, { from: '/connexion/second-facteur' })
  t.equal(replay.statusCode, 400, 'the same code twice is refused')
})

t.test('a redirect after login stays on this site', async (t) => {
  const c = client(app)
  const res = await c.post('/connexion', { email: 'alex@tiers.example', password: STRONG_PASSWORD, next: '//evil.example/x' }, { from: '/connexion' })
  t.equal(res.headers.location, '/espace')
})

t.test('seeds stored in clear before sealing existed are sealed at start-up and still work', async (t) => {
  const { sealStoredSecrets } = await import('../../server/db/sealed-text.ts')
  const { secret } = await makeProfessional(orm, 'ministry', 'legacy@ministere.example')
  await orm.em.fork().execute(`update "account" set "totp_secret" = ? where "email" = 'legacy@ministere.example'`, [secret])
  t.ok((await sealStoredSecrets(orm.em.fork())) >= 1)
  const [raw] = await orm.em.fork().execute<{ totp_secret: string }[]>(`select "totp_secret" from "account" where "email" = 'legacy@ministere.example'`)
  t.match(raw?.totp_secret, /^v1\./u)
  t.equal((await orm.em.fork().findOneOrFail(Account, { email: 'legacy@ministere.example' })).totpSecret, secret, 'read back through the ORM')
})
