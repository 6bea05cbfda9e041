import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
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
})

t.test('outside demo mode no demo section is shown', async (t) => {
  const { app } = await buildTestApp(t, { DEMO: 'false' })
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.notMatch(res.body, /Comptes de démonstration/)
  t.match(res.body, /Aucune procédure/)
})
