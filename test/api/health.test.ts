import t from 'tap'
import pg from 'pg'
import { buildTestApp } from '../helpers/app.ts'

const { app, runtime } = await buildTestApp(t)

t.test('GET /health reports the database and the job queue as working', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.status, 'ok')
  t.equal(body.checks.database.status, 'ok')
  t.equal(body.checks.queue.status, 'ok')
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'every response carries its request id')
})

t.test('a request id sent by a proxy is kept', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'proxy-1234-abcd' } })
  t.equal(res.headers['x-request-id'], 'proxy-1234-abcd')
})

t.test('GET /docs/json is an OpenAPI document generated from the route schemas', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  const doc = res.json()
  t.match(doc.openapi, /^3\./)
  t.ok(doc.paths['/health'].get.responses['200'], 'the health response schema is documented')
  const ui = await app.inject({ method: 'GET', url: '/docs' })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
})

t.test('security headers are set', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.match(res.headers['content-security-policy'], /default-src 'self'/)
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['x-frame-options'], 'SAMEORIGIN')
})

t.test('/health answers 503 with the failing part when the database is gone', async (t) => {
  const db = new URL(runtime.databaseUrl).pathname.slice(1)
  const admin = new pg.Client({ connectionString: process.env.TEST_PG_ADMIN_URL })
  await admin.connect()
  await admin.query(`DROP DATABASE "${db}" WITH (FORCE)`)
  await admin.end()
  const res = await app.inject({ method: 'GET', url: '/health' })
  t.equal(res.statusCode, 503)
  const body = res.json()
  t.equal(body.status, 'failing')
  t.equal(body.checks.database.status, 'failing')
  t.type(body.checks.database.error, 'string')
})
