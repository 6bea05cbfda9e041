import t from 'tap'
import { z } from 'zod'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { DomainError } from '../../server/errors.ts'
import { buildTestApp } from '../helpers/app.ts'

const { app } = await buildTestApp(t)
// Routes registered for this test only: they exercise the central error handler.
const typed = app.withTypeProvider<ZodTypeProvider>()
typed.post(
  '/api/test/echo',
  { config: { access: { public: true } }, schema: { body: z.object({ siret: z.string().length(14), amount: z.number().int() }) } },
  async (request) => request.body,
)
typed.get('/api/test/domain', { config: { access: { public: true } } }, async () => {
  throw new DomainError('conflict', 'claim_already_submitted', 'Cette déclaration est déjà déposée.')
})
typed.get('/api/test/crash', { config: { access: { public: true } } }, async () => {
  throw new Error('secret internal detail')
})
await app.ready()

t.test('an invalid body answers 400 problem+json naming each field, in French', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/test/echo', payload: { siret: '123', amount: 'x' } })
  t.equal(res.statusCode, 400)
  t.match(res.headers['content-type'], /application\/problem\+json/)
  const body = res.json()
  t.equal(body.code, 'validation_failed')
  t.equal(body.status, 400)
  t.ok(body.requestId)
  const paths = body.errors.map((e: { path: string }) => e.path).sort()
  t.same(paths, ['body.amount', 'body.siret'])
  t.match(body.errors[0].message, /[a-zé]/i)
  t.notMatch(JSON.stringify(body.errors), /Invalid|Expected/, 'messages are French, not zod English')
})

t.test('a domain error keeps its stable code and status', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/test/domain' })
  t.equal(res.statusCode, 409)
  t.equal(res.json().code, 'claim_already_submitted')
  t.equal(res.json().detail, 'Cette déclaration est déjà déposée.')
})

t.test('an unexpected error answers 500 without leaking its message', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/test/crash' })
  t.equal(res.statusCode, 500)
  t.equal(res.json().code, 'internal_error')
  t.notMatch(res.body, /secret internal detail/)
  t.match(res.json().detail, new RegExp(res.json().requestId))
})

t.test('an unknown page answers a French HTML page to a browser and problem+json to a client', async (t) => {
  const html = await app.inject({ method: 'GET', url: '/nulle-part', headers: { accept: 'text/html' } })
  t.equal(html.statusCode, 404)
  t.match(html.headers['content-type'], /text\/html/)
  t.match(html.body, /Page ou ressource introuvable/)
  const api = await app.inject({ method: 'GET', url: '/api/nulle-part' })
  t.equal(api.statusCode, 404)
  t.equal(api.json().code, 'not_found')
})
