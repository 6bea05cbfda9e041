// The bundle written in a process of its own, so that its peak RSS is the bundle's alone (the
// fixture's loading and PDF rendering happen in the parent). Prints one JSON line.
import { loadConfig } from '../server/config.ts'
import { createRuntime } from '../server/runtime.ts'
import { writeBundle } from '../server/modules/court/bundle.ts'

const [databaseUrl, varDir, target] = process.argv.slice(2)
if (!databaseUrl || !varDir || !target) throw new Error('usage: bundle-child.ts <database url> <var dir> <target>')
const runtime = await createRuntime(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: databaseUrl, VAR_DIR: varDir }), { supervise: false, migrate: false })
try {
  const em = runtime.orm.em.fork()
  const [procedure] = await em.execute<{ id: string; debtor_name: string }[]>(`select "id", "debtor_name" from "procedure" where "code" = 'aptic-2024'`)
  if (!procedure) throw new Error('no procedure')
  // What the process holds before bundling (modules, ORM, pools): the peak minus this is the bundle's own.
  const restingMb = Math.round(process.memoryUsage().rss / 1024 / 1024)
  const started = performance.now()
  // The six statements come first (after the queries that feed them): when the sixth is in, the rest is stored files.
  let statementsSeconds = 0
  const result = await writeBundle(em, runtime.files, { procedureId: procedure.id, claimIds: null, target, debtor: procedure.debtor_name }, (done) => {
    if (done === 6) statementsSeconds = (performance.now() - started) / 1000
  })
  const seconds = (performance.now() - started) / 1000
  console.log(JSON.stringify({ seconds, statementsSeconds, bytes: result.bytes, files: result.files, rssMb: Math.round(process.resourceUsage().maxRSS / 1024), restingMb }))
} finally {
  await runtime.stop()
}
