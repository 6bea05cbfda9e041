// `npm run worker`: background jobs only, for scaling out. Run the web process with WORKERS=none.
import { loadConfig } from './config.ts'
import { createRuntime } from './runtime.ts'

const config = loadConfig()
if (!config.databaseUrl) {
  console.error('npm run worker needs DATABASE_URL: a separate worker must share the web process database.')
  process.exit(78)
}
const say = (message: string) => console.log(`[worker] ${message}`)
const runtime = await createRuntime(config, { log: say, migrate: false })
await runtime.startWorkers()
say('working: mail, pass reading')
const stop = async () => {
  await runtime.stop()
  process.exit(0)
}
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
