// Loading the operator's extracts as new ledger versions, all or nothing (issue 6, DOMAIN §4).
// One transaction per load: each file is COPYed into a fresh table whose CHECK constraints carry
// the per-row rules, cross-row rules (duplicates, references) run as set-based SQL, and the table
// is then attached as a partition and marked current. A refusal or a killed process rolls it all
// back, so the previous version keeps answering. A refused file gets a report of every bad row.

import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ClientBase } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { LEDGER_FILES, LOAD_ORDER, checkConstraints, type LedgerKind, type RowProblem } from '../../lib/ledger-files.ts'
import { crossRowProblems } from './cross-checks.ts'
import { reportRowProblems, REPORT_LIMIT } from './report.ts'

export interface LedgerFileInput {
  readonly kind: LedgerKind
  readonly path: string
  readonly name: string
  readonly bytes: number
}

export interface LoadedVersion {
  readonly kind: LedgerKind
  readonly id: string
  readonly rows: number
  readonly sha256: string
}

export interface LoadProgress {
  readonly kind: LedgerKind
  readonly phase: 'copy' | 'check' | 'index' | 'done'
  readonly bytesDone: number
  readonly bytesTotal: number
}

export interface FileReport {
  readonly kind: LedgerKind
  readonly name: string
  readonly problems: readonly RowProblem[]
  /** All bad rows, of which `problems` lists the first REPORT_LIMIT. */
  readonly problemCount: number
}

export type LoadOutcome =
  | { readonly ok: true; readonly versions: readonly LoadedVersion[] }
  | { readonly ok: false; readonly reports: readonly FileReport[] }

export interface LoadOptions {
  readonly procedureId: string
  readonly identifierPattern: string
  readonly loadId?: string
  readonly onProgress?: (progress: LoadProgress) => void
  /** Runs in the load's transaction just before it commits (the audit event). */
  readonly beforeCommit?: (client: ClientBase, versions: readonly LoadedVersion[]) => Promise<void>
}

class Refused extends Error {
  readonly report: FileReport
  constructor(report: FileReport) {
    super(`ledger file refused: ${report.name}`)
    this.report = report
  }
}

const partitionName = (kind: LedgerKind, versionId: string) => `${LEDGER_FILES[kind].table}_${versionId.replaceAll('-', '')}`

/** Loads the given files (at most one per kind) on `client`, which must not be in a transaction. */
// LEDGER_TRACE=1 prints how long each step takes (to see where a load spends its time).
const trace = process.env.LEDGER_TRACE ? (label: string, since: number) => console.log(`  [ledger] ${label} ${(performance.now() - since).toFixed(0)} ms`) : () => {}

export async function loadLedgerFiles(client: ClientBase, files: readonly LedgerFileInput[], options: LoadOptions): Promise<LoadOutcome> {
  const ordered = LOAD_ORDER.flatMap((kind) => files.filter((f) => f.kind === kind))
  const loaded: (LoadedVersion & { table: string })[] = []
  await client.query('begin')
  try {
    // Two loads of one procedure at once would race for "current": the second waits here.
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [`ledger:${options.procedureId}`])
    // Index builds and the reference anti-joins of a million rows stay in memory this way.
    await client.query(`set local maintenance_work_mem = '512MB'`)
    await client.query(`set local work_mem = '256MB'`)
    for (const file of ordered) {
      const versionId = randomUUID()
      const table = partitionName(file.kind, versionId)
      let since = performance.now()
      const { rows, sha256 } = await copyFile(client, file, table, versionId, options)
      trace(`${file.kind} copy`, since)
      since = performance.now()
      // Statistics before the checks: without them the planner takes a fresh table for empty.
      await client.query(`analyze "${table}"`)
      trace(`${file.kind} analyze`, since)
      since = performance.now()
      options.onProgress?.({ kind: file.kind, phase: 'check', bytesDone: file.bytes, bytesTotal: file.bytes })
      const batch = Object.fromEntries(loaded.map((l) => [l.kind, l.table])) as Partial<Record<LedgerKind, string>>
      const problems = await crossRowProblems(client, file.kind, table, batch, options.procedureId)
      trace(`${file.kind} checks`, since)
      since = performance.now()
      if (problems.count > 0) throw new Refused({ kind: file.kind, name: file.name, problems: problems.rows, problemCount: problems.count })
      options.onProgress?.({ kind: file.kind, phase: 'index', bytesDone: file.bytes, bytesTotal: file.bytes })
      await attach(client, file, table, { kind: file.kind, id: versionId, rows, sha256 }, options)
      trace(`${file.kind} attach`, since)
      loaded.push({ kind: file.kind, id: versionId, rows, sha256, table })
      options.onProgress?.({ kind: file.kind, phase: 'done', bytesDone: file.bytes, bytesTotal: file.bytes })
    }
    await options.beforeCommit?.(client, loaded.map(({ kind, id, rows, sha256 }) => ({ kind, id, rows, sha256 })))
    await client.query('commit')
  } catch (error) {
    await client.query('rollback').catch(() => {})
    if (error instanceof Refused) return { ok: false, reports: [error.report] }
    if (isCheckFailure(error)) {
      // The COPY stopped at the first broken row: read the file again to list them all.
      const file = ordered.find((f) => f.kind === error.kind) ?? ordered[0]
      if (!file) throw error
      const report = await reportRowProblems(file, options.identifierPattern)
      return { ok: false, reports: [{ kind: file.kind, name: file.name, ...report }] }
    }
    throw error
  }
  await dropOldVersions(client, options.procedureId)
  return { ok: true, versions: loaded.map(({ kind, id, rows, sha256 }) => ({ kind, id, rows, sha256 })) }
}

class CheckFailure extends Error {
  readonly kind: LedgerKind
  constructor(kind: LedgerKind, cause: unknown) {
    super(`COPY refused a row of ${kind}`, { cause })
    this.kind = kind
  }
}

const isCheckFailure = (error: unknown): error is CheckFailure => error instanceof CheckFailure

// SQLSTATE classes a malformed row raises during COPY: data exceptions (22…) and integrity
// constraint violations (23…: not null, check).
const ROW_ERROR = /^2[23]/u

async function copyFile(
  client: ClientBase,
  file: LedgerFileInput,
  table: string,
  versionId: string,
  options: LoadOptions,
): Promise<{ rows: number; sha256: string }> {
  const spec = LEDGER_FILES[file.kind]
  const checks = [`"version_id" = '${versionId}'`, ...checkConstraints(spec, options.identifierPattern)]
  await client.query(`create table "${table}" (like "${spec.table}" including defaults)`)
  await client.query(`alter table "${table}" alter column "version_id" set default '${versionId}', ${checks.map((c, i) => `add constraint "c${i}" check (${c})`).join(', ')}`)
  const columns = spec.columns.map((c) => `"${c.name}"`).join(', ')
  const copy = client.query(copyFrom(`copy "${table}" (${columns}) from stdin with (format csv, header true, delimiter ';', encoding 'UTF8')`))
  let bytesDone = 0
  let lastReport = 0
  // The file's fingerprint is taken on the way to the database: one read of the file, not two.
  const hash = createHash('sha256')
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytesDone += chunk.length
      hash.update(chunk)
      const now = Date.now()
      if (now - lastReport > 250) {
        lastReport = now
        options.onProgress?.({ kind: file.kind, phase: 'copy', bytesDone, bytesTotal: file.bytes })
      }
      done(null, chunk)
    },
  })
  try {
    await pipeline(createReadStream(file.path, { highWaterMark: 1 << 20 }), counter, copy)
  } catch (error) {
    const code = typeof error === 'object' && error && 'code' in error ? String(error.code) : ''
    if (ROW_ERROR.test(code)) throw new CheckFailure(file.kind, error)
    throw error
  }
  return { rows: copy.rowCount, sha256: hash.digest('hex') }
}

async function attach(client: ClientBase, file: LedgerFileInput, table: string, version: LoadedVersion, options: LoadOptions): Promise<void> {
  const versionId = version.id
  // The cross-row checks built the key index, matching the parent's: ATTACH adopts it, and the
  // CHECK on version_id spares it a scan.
  await client.query(`alter table "${LEDGER_FILES[file.kind].table}" attach partition "${table}" for values in ('${versionId}')`)
  await client.query(`update "ledger_version" set "status" = 'superseded' where "procedure_id" = $1 and "kind" = $2 and "status" = 'current'`, [
    options.procedureId,
    file.kind,
  ])
  await client.query(
    `insert into "ledger_version" ("id", "procedure_id", "kind", "status", "load_id", "file_name", "file_sha256", "rows") values ($1, $2, $3, 'current', $4, $5, $6, $7)`,
    [versionId, options.procedureId, file.kind, options.loadId ?? null, file.name.slice(0, 255), version.sha256, version.rows],
  )
}

/**
 * Keeps the current and the previous version of each kind (to compare, or go back by hand); older
 * partitions are detached and dropped. Runs after the commit: dropping takes a stronger lock.
 */
async function dropOldVersions(client: ClientBase, procedureId: string): Promise<void> {
  const { rows } = await client.query<{ id: string; kind: LedgerKind }>(
    `select "id", "kind" from (
       select "id", "kind", row_number() over (partition by "kind" order by "loaded_at" desc) as "rank"
       from "ledger_version" where "procedure_id" = $1) v
     where "rank" > 2`,
    [procedureId],
  )
  for (const { id, kind } of rows) {
    await client.query(`drop table if exists "${partitionName(kind, id)}"`)
  }
}

export { REPORT_LIMIT }
