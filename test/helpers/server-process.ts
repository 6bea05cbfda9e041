// The real service as a child process (`node server/main.ts`), for end-to-end tests and benchmarks.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')

export function freePort(): Promise<number> {
  return new Promise((ok, ko) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? ok(address.port) : ko(new Error('no free port'))))
    })
  })
}

export type ServerProcess = { child: ChildProcess; base: string; output: () => string }

/** Starts the service with only the given variables (plus PATH and HOME): the fresh-machine path. */
export function startServer(env: { PORT: string } & Record<string, string>): ServerProcess {
  let output = ''
  const child = spawn(process.execPath, ['server/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
  })
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  return { child, base: `http://127.0.0.1:${env.PORT}`, output: () => output }
}

/** Milliseconds until /health answers 200. */
export async function waitReady(server: ServerProcess, timeoutMs = 60_000): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (server.child.exitCode !== null) throw new Error(`the service exited early:\n${server.output()}`)
    try {
      if ((await fetch(`${server.base}/health`)).status === 200) return Date.now() - started
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`not ready after ${timeoutMs} ms:\n${server.output()}`)
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((ok) => (child.exitCode !== null ? ok(child.exitCode) : child.once('exit', (code) => ok(code))))
}
