// `npm start`: the whole service in one process (HTTP + in-process workers), on an embedded
// PostgreSQL when DATABASE_URL is unset, with demo data on an empty database.
import { buildApp } from './app.ts'
import { loadConfig, ConfigError } from './config.ts'
import { createRuntime } from './runtime.ts'
import { seedDemo } from '../fixtures/demo.ts'

const startedAt = performance.now()
let config
try {
  config = loadConfig()
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(78) // EX_CONFIG
  }
  throw error
}

const say = (message: string) => console.log(`[creances] ${message}`)
const runtime = await createRuntime(config, { log: say })
const app = await buildApp(runtime)

let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  app.log.info({ signal }, 'shutting down')
  const force = setTimeout(() => process.exit(1), 25_000).unref()
  await app.close() // stops accepting, lets in-flight requests finish
  await runtime.stop() // workers, job queue, ORM, embedded PostgreSQL
  clearTimeout(force)
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))

try {
  if (config.demo) {
    const seed = await seedDemo(runtime.orm)
    say(seed.created ? 'demo data created (procedure #APTIC)' : 'demo data already present')
    for (const a of seed.accounts) {
      say(`demo account ${a.role}: ${a.email} / ${a.password}${a.totpSecret ? ` (TOTP key ${a.totpSecret}; the home page shows the current code)` : ''}`)
    }
  }
  if (config.runWorkersInProcess) await runtime.startWorkers()
  await app.listen({ host: config.host, port: config.port })
  say(`ready in ${Math.round(performance.now() - startedAt)} ms on ${config.publicUrl} (API docs: ${config.publicUrl}/docs)`)
  say(runtime.mail.kind === 'files' ? `mail is written to ${config.varDir}/mail/` : 'mail goes to SMTP_URL')
} catch (error) {
  app.log.error(error)
  await app.close().catch(() => {})
  await runtime.stop()
  process.exit(1)
}
