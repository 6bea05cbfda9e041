// The fresh-machine path end to end: `node server/main.ts` with nothing configured brings up an
// embedded PostgreSQL, migrations and demo data; a SIGKILLed run leaves a server behind that the
// next start must handle; SIGTERM shuts everything down.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { exited, freePort, startServer, waitReady } from '../helpers/server-process.ts'

const varDir = mkdtempSync(join(tmpdir(), 'creances-start-'))
chmodSync(varDir, 0o755) // as root the cluster runs as `postgres`, which must reach var/pg
t.teardown(() => rmSync(varDir, { recursive: true, force: true }))
const env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), VAR_DIR: varDir }

t.test('a cold start serves /, /docs and /health with demo data', async (t) => {
  const run = startServer(env)
  t.comment(`cold start (new embedded cluster, migrations, demo data): ${await waitReady(run)} ms`)
  const home = await fetch(`${run.base}/`)
  t.equal(home.status, 200)
  t.match(await home.text(), /#APTIC/)
  t.equal((await fetch(`${run.base}/docs`)).status, 200)
  t.match(run.output(), /demo data created/)

  run.child.kill('SIGKILL')
  await exited(run.child)
  const pidFile = join(varDir, 'pg', 'postmaster.pid')
  t.ok(existsSync(pidFile), 'the killed run left its PostgreSQL running')
  const stalePid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])

  const again = startServer(env)
  t.comment(`start after SIGKILL: ${await waitReady(again)} ms`)
  t.match(again.output(), new RegExp(`stopping a server left running by a previous run \\(pid ${stalePid}\\)`))
  t.match(again.output(), /demo data already present/)
  t.equal((await fetch(`${again.base}/health`)).status, 200)

  again.child.kill('SIGTERM')
  t.equal(await exited(again.child), 0, 'SIGTERM shuts down cleanly')
  t.notOk(existsSync(pidFile), 'the embedded PostgreSQL was stopped too')
})
