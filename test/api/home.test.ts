import t from 'tap'
import { demoAccounts, seedDemo } from '../../fixtures/demo.ts'
import { client } from '../helpers/client.ts'
import { buildTestApp } from '../helpers/app.ts'

t.test('the home page explains the service and shows the demo procedure', async (t) => {
  const { app, runtime } = await buildTestApp(t, { DEMO: 'true' })
  const first = await seedDemo(runtime.orm)
  t.equal(first.created, true)
  t.equal((await seedDemo(runtime.orm)).created, false, 'seeding twice creates nothing more')
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.match(res.body, /<html lang="fr">/)
  t.match(res.body, /#APTIC/)
  t.match(res.body, /SIREN 843 739 418/)
  t.match(res.body, /16 janvier 2024/)
  t.match(res.body, /10,00\u00a0€/)
  t.match(res.body, /Comptes de démonstration/)
  t.match(res.body, /structure@demo\.creances\.local/)
})

t.test('the demo accounts listed on the home page work, second factor included', async (t) => {
  const { app, runtime } = await buildTestApp(t, { DEMO: 'true' })
  await seedDemo(runtime.orm)
  const c = client(app)
  const home = await c.get('/')
  const [structure, liquidator] = demoAccounts()
  const structureHome = await c.follow(await c.post('/connexion', { email: structure!.email, password: structure!.password }, { from: '/connexion' }))
  t.match(structureHome.body, /Espace public numérique des Landes/)
  const code = new RegExp(`${liquidator!.email}[^]*?code du moment : <code>(\\d{6})`).exec(home.body)?.[1]
  t.ok(code, 'the home page shows the current code')
  const pro = client(app)
  await pro.post('/connexion', { email: liquidator!.email, password: liquidator!.password }, { from: '/connexion' })
  const after = await pro.post('/connexion/second-facteur', { code: code as string }, { from: '/connexion/second-facteur' })
  t.equal(after.statusCode, 302)
  t.equal((await pro.follow(after)).statusCode, 200)
})

t.test('outside demo mode no demo section is shown', async (t) => {
  const { app } = await buildTestApp(t, { DEMO: 'false' })
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, /Comptes de démonstration/)
  t.match(res.body, /Aucune procédure/)
})
