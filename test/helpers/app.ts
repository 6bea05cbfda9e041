// A real application on a real, private PostgreSQL database for one test file.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../server/app.ts'
import { loadConfig, type Config } from '../../server/config.ts'
import { createRuntime, type Runtime } from '../../server/runtime.ts'
import { freshDatabaseUrl } from './db.ts'

type Teardown = { teardown: (fn: () => Promise<void> | void) => void }

export type TestContext = { app: FastifyInstance; runtime: Runtime; config: Config }

export async function testConfig(t: Teardown, env: Record<string, string> = {}): Promise<Config> {
  const varDir = mkdtempSync(join(tmpdir(), 'creances-test-'))
  t.teardown(() => rmSync(varDir, { recursive: true, force: true }))
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: await freshDatabaseUrl(t),
    VAR_DIR: varDir,
    JOB_POLLING_SECONDS: '0.5',
    // Many sign-ups come from 127.0.0.1 in tests; the slow-down itself is tested with its own clock.
    FORM_SLOWDOWN_MS: '0',
    ...env,
  })
}

export async function buildTestApp(t: Teardown, env: Record<string, string> = {}): Promise<TestContext> {
  const config = await testConfig(t, env)
  const runtime = await createRuntime(config, { supervise: false })
  const app = await buildApp(runtime, { logger: false })
  t.teardown(async () => {
    await app.close()
    await runtime.stop()
  })
  return { app, runtime, config }
}
