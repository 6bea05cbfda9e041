// npm run bench:startup — how long `npm start`'s service takes to answer /health:
// cold (fresh var/: initdb, migrations, demo data) against warm (same var/, second start, the baseline).
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exited, freePort, startServer, waitReady } from '../test/helpers/server-process.ts'

const rounds = Number(process.env.ROUNDS ?? 3)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const cold: number[] = []
const warm: number[] = []

for (let i = 0; i < rounds; i++) {
  const varDir = mkdtempSync(join(tmpdir(), 'creances-bench-'))
  chmodSync(varDir, 0o755)
  const env = { PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), VAR_DIR: varDir }
  try {
    for (const series of [cold, warm]) {
      const server = startServer(env)
      series.push(await waitReady(server))
      server.child.kill('SIGTERM')
      await exited(server.child)
    }
  } finally {
    rmSync(varDir, { recursive: true, force: true })
  }
  console.log(`round ${i + 1}: cold ${cold.at(-1)} ms, warm ${warm.at(-1)} ms`)
}
const value = median(cold)
const baseline = median(warm)
console.log(`median over ${rounds} rounds: cold start ${value} ms, warm start ${baseline} ms`)
console.log(JSON.stringify({ bench: 'startup', value, unit: 'ms', baseline, ratio: Number((value / baseline).toFixed(2)) }))
