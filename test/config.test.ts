import t from 'tap'
import { ConfigError, loadConfig } from '../server/config.ts'

t.test('defaults describe the fresh-machine path', async (t) => {
  const c = loadConfig({})
  t.equal(c.port, 3000)
  t.equal(c.databaseUrl, undefined, 'embedded PostgreSQL')
  t.equal(c.smtpUrl, undefined, 'mail to files')
  t.equal(c.demo, true)
  t.equal(c.runWorkersInProcess, true)
})

t.test('a bad variable stops start-up with its name', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), ConfigError)
  t.throws(() => loadConfig({ PORT: 'abc' }), /PORT/)
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/)
  t.throws(() => loadConfig({ SMTP_URL: 'http://x' }), /SMTP_URL/)
})

t.test('empty variables count as unset', async (t) => {
  t.equal(loadConfig({ DATABASE_URL: '' }).databaseUrl, undefined)
})

t.test('a configured database turns demo mode off unless asked', async (t) => {
  t.equal(loadConfig({ DATABASE_URL: 'postgres://h/db' }).demo, false)
  t.equal(loadConfig({ DATABASE_URL: 'postgres://h/db', DEMO: 'true' }).demo, true)
})
