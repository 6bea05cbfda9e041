// A structure's own pages: bank details (validated, masked, every member told), invitations,
// the member's data and account closure (RGPD), and the liquidator's view of the history.
import t from 'tap'
import { AuditEvent } from '../../server/modules/audit/entities.ts'
import { verifyAuditChain } from '../../server/modules/audit/service.ts'
import { Account } from '../../server/modules/accounts/entities.ts'
import { Membership } from '../../server/modules/structures/entities.ts'
import { currentTotp } from '../../server/lib/totp.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client, linkIn } from '../helpers/client.ts'
import { STRONG_PASSWORD, mailsTo, makeProfessional, makeStructure } from '../helpers/accounts.ts'

const { app, runtime } = await buildTestApp(t)
const orm = runtime.orm
const { structure } = await makeStructure(orm, { siret: '73282932000074', name: 'Médiathèque des Landes', members: ['lou@landes.example', 'max@landes.example'] })
const lou = client(app)
await lou.post('/connexion', { email: 'lou@landes.example', password: STRONG_PASSWORD }, { from: '/connexion' })
const profileUrl = `/structures/${structure.id}`

t.test('an invalid IBAN is refused on its field and changes nothing', async (t) => {
  const res = await lou.post(`${profileUrl}/banque`, { iban: 'FR76 3000 6000 0112 3456 7890 188', bic: 'AGRIFRPP' }, { from: profileUrl })
  t.equal(res.statusCode, 400)
  t.match(res.body, /id="iban" [^>]*aria-invalid="true"/)
  t.match((await lou.get(profileUrl)).body, /non renseigné/)
})

t.test('a valid IBAN is stored, shown masked, audited masked, and every member is told', async (t) => {
  const res = await lou.post(`${profileUrl}/banque`, { iban: 'fr76 3000 6000 0112 3456 7890 189', bic: 'agrifrpp' }, { from: profileUrl })
  t.equal(res.statusCode, 302)
  const page = await lou.get(profileUrl)
  t.match(page.body, /FR76 \*{4} \*{4} \*{4} \*{4} \*{3}0 189/)
  t.notMatch(page.body, /3000 6000 0112/, 'the full IBAN is not displayed')
  for (const member of ['lou@landes.example', 'max@landes.example']) {
    const [mail] = await mailsTo(orm, member, 'bank-details-changed')
    t.match(mail?.text, /Coordonnées|coordonnées/, `${member} is told`)
  }
  const [event] = await orm.em.fork().find(AuditEvent, { action: 'structure.bank_details_changed' })
  t.notMatch(JSON.stringify(event?.after), /30006000011234567890189/, 'the audit keeps the IBAN masked')
  t.match(JSON.stringify(event?.after), /ibanSha256/)
})

t.test('a member invites a colleague who joins with a new account', async (t) => {
  await lou.post(`${profileUrl}/invitations`, { email: 'noa@landes.example' }, { from: `${profileUrl}/membres` })
  const [mail] = await mailsTo(orm, 'noa@landes.example', 'invitation')
  const path = linkIn(mail!.text, '/invitation/')
  const noa = client(app)
  const form = await noa.get(path)
  t.match(form.body, /Médiathèque des Landes/)
  const joined = await noa.follow(await noa.post(path, { displayName: 'Noa Bernard', password: STRONG_PASSWORD }))
  t.match(joined.body, /Médiathèque des Landes/, 'logged in and inside the structure')
  t.equal((await noa.get(path)).statusCode, 410, 'an invitation works once')
  const members = await lou.get(`${profileUrl}/membres`)
  t.match(members.body, /Noa Bernard/)
})

t.test('a member downloads their data, then closes their account: pseudonymised, chain intact', async (t) => {
  const max = client(app)
  await max.post('/connexion', { email: 'max@landes.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  const data = await max.get('/compte/donnees.json')
  t.equal(data.statusCode, 200)
  t.match(data.headers['content-disposition'], /attachment/)
  t.equal(data.json().account.email, 'max@landes.example')
  t.equal(data.json().memberships.length, 1)

  const wrong = await max.post('/compte/fermer', { password: 'pas le bon mot de passe' }, { from: '/compte' })
  t.equal(wrong.statusCode, 400, 'closing asks for the password again')
  const closed = await max.post('/compte/fermer', { password: STRONG_PASSWORD }, { from: '/compte' })
  t.equal(closed.statusCode, 302)
  const em = orm.em.fork()
  const account = await em.findOneOrFail(Account, { email: { $like: 'compte-ferme-%' } })
  t.equal(account.displayName, null)
  t.equal(account.status, 'closed')
  t.equal(await em.count(Membership, { accountId: account.id, status: 'active' }), 0)
  const events = await em.find(AuditEvent, {})
  t.notMatch(JSON.stringify(events), /max@landes\.example/, 'the audit trail never held the address')
  t.same(await verifyAuditChain(em), { checked: events.length, firstBroken: null })
  t.equal((await max.get('/compte')).statusCode, 302, 'logged out')
  t.equal((await client(app).post('/connexion', { email: 'max@landes.example', password: STRONG_PASSWORD }, { from: '/connexion' })).statusCode, 401)
})

t.test('the liquidator reads and exports the history; a closed account shows as such', async (t) => {
  const { secret } = await makeProfessional(orm, 'liquidator', 'etude@liquidation.example')
  const liq = client(app)
  await liq.post('/connexion', { email: 'etude@liquidation.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  await liq.post('/connexion/second-facteur', { code: currentTotp(secret) }, { from: '/connexion/second-facteur' })
  const page = await liq.get(`/historique?type=structure&id=${structure.id}`)
  t.equal(page.statusCode, 200)
  t.match(page.body, /structure.bank_details_changed/)
  const all = await liq.get('/historique')
  t.match(all.body, /compte fermé/)
  const csv = await liq.get(`/historique.csv?type=structure&id=${structure.id}`)
  t.equal(csv.statusCode, 200)
  t.match(csv.headers['content-type'], /text\/csv/)
  t.ok(csv.body.startsWith('\uFEFFn°;date;auteur'), 'French spreadsheet dialect: BOM and semicolons')
  t.match(csv.body, /structure.bank_details_changed/)
  t.equal((await lou.get('/historique')).statusCode, 403, 'a structure does not read the history')
})
