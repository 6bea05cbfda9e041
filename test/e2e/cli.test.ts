// Operator commands against a real database: create a professional account, verify the audit chain.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import t from 'tap'
import pg from 'pg'
import { testConfig } from '../helpers/app.ts'

const root = resolve(import.meta.dirname, '../..')
const config = await testConfig(t)
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['server/cli.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, DATABASE_URL: config.databaseUrl, VAR_DIR: config.varDir, LOG_LEVEL: 'silent' },
  })

t.test('user:create makes a liquidator account and prints its first-access link', async (t) => {
  const res = cli('user:create', '--role', 'liquidator', '--email', 'Me.Durand@Etude.example', '--name', 'Me Durand')
  t.equal(res.status, 0, res.stderr)
  t.match(res.stdout, /Compte liquidator créé pour me\.durand@etude\.example/)
  t.match(res.stdout, /\/mot-de-passe\/[\w-]{40,}/)
  const again = cli('user:create', '--role', 'liquidator', '--email', 'me.durand@etude.example')
  t.equal(again.status, 2, 'a second account for the same address is refused')
  t.match(again.stderr, /existe déjà/)
  const bad = cli('user:create', '--role', 'structure', '--email', 'x@y.example')
  t.equal(bad.status, 2, 'structure accounts are not created by the CLI')
})

t.test('audit:verify names the first broken link after tampering', async (t) => {
  t.equal(cli('audit:verify').status, 0)
  const db = new pg.Client({ connectionString: config.databaseUrl })
  await db.connect()
  await db.query('alter table audit_event disable trigger audit_event_no_update_delete')
  const { rows } = await db.query('update audit_event set action = $1 where id = (select min(id) from audit_event) returning id', ['forged'])
  await db.query('alter table audit_event enable trigger audit_event_no_update_delete')
  await db.end()
  const res = cli('audit:verify')
  t.equal(res.status, 1)
  t.match(res.stderr, new RegExp(`rompue à l'événement n° ${rows[0].id}`))
})
