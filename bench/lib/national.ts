// What the national benches share: the national fixture on disk (generated once, reused while its
// manifest is there), and a throwaway embedded PostgreSQL with the product's migrations applied.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { loadConfig } from '../../server/config.ts'
import { startEmbeddedPostgres } from '../../server/db/embedded.ts'
import { createRuntime, type Runtime } from '../../server/runtime.ts'
import { freePort } from '../../test/helpers/server-process.ts'

export const NATIONAL_DIR = resolve(process.env.NATIONAL_DIR ?? 'var/fixtures/national')

export function ensureNationalFixture(): string {
  if (!existsSync(join(NATIONAL_DIR, 'claim-lines.csv'))) {
    console.log(`generating the national fixture into ${NATIONAL_DIR}…`)
    execFileSync(process.execPath, ['fixtures/national/cli.ts', '--out', NATIONAL_DIR], { stdio: 'inherit' })
  }
  return NATIONAL_DIR
}

export interface BenchDatabase {
  readonly runtime: Runtime
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

export async function benchDatabase(): Promise<BenchDatabase> {
  const varDir = mkdtempSync(join(tmpdir(), 'creances-bench-'))
  // The embedded server may run as another user than root: it must reach its folder.
  chmodSync(varDir, 0o755)
  const port = await freePort()
  const embedded = await startEmbeddedPostgres({ varDir, name: 'bench-pg', port })
  const admin = new pg.Client({ connectionString: embedded.url('postgres') })
  await admin.connect()
  await admin.query('CREATE DATABASE creances_bench')
  await admin.end()
  const url = embedded.url('creances_bench')
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, VAR_DIR: varDir })
  const runtime = await createRuntime(config, { supervise: false })
  return {
    runtime,
    url,
    port,
    stop: async () => {
      await runtime.stop()
      await embedded.stop()
      rmSync(varDir, { recursive: true, force: true })
      rmSync(embedded.dataDir, { recursive: true, force: true })
      rmSync(`${embedded.dataDir}.secret`, { recursive: true, force: true })
    },
  }
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
