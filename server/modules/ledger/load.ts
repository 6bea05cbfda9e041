// Loading the operator's extracts as new ledger versions, all or nothing (issue 6, DOMAIN §4).
// Phase 1 stages each file, two at a time: COPY into a fresh table whose CHECK constraints carry
// the per-row rules, then the rules within the file (duplicates, SIRETs) as set-based SQL. Phase 2,
// one transaction, checks references across files, attaches the tables as partitions and marks
// them current. Staged tables are invisible to the application, so a refusal or a killed process
// leaves the previous version answering; the next load sweeps what a killed one left behind. A
// refused file gets a report of every bad row.

import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ClientBase } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { LEDGER_FILES, LOAD_ORDER, checkConstraints, type LedgerKind, type RowProblem } from '../../lib/ledger-files.ts'
import { fileProblems, referenceProblems } from './cross-checks.ts'
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

const partitionName = (kind: LedgerKind, versionId: string) => `${LEDGER_FILES[kind].table}_${versionId.replaceAll('-', '')}`

// LEDGER_TRACE=1 prints how long each step takes (to see where a load spends its time).
const trace = process.env.LEDGER_TRACE ? (label: string, since: number) => console.log(`  [ledger] ${label} ${(performance.now() - since).toFixed(0)} ms`) : () => {}

/** Opens a new connection (the load uses two at once, plus the one that swaps). */
export type Connect = () => Promise<ClientBase & { end(): Promise<void> }>

interface Staged {
  readonly file: LedgerFileInput
  readonly table: string
  readonly version: LoadedVersion
}

type StageOutcome = { ok: true; staged: Staged } | { ok: false; report: FileReport }

const LANES = 2

async function tuned(client: ClientBase): Promise<void> {
  // Index builds and the anti-joins of a million rows stay in memory this way.
  await client.query(`set maintenance_work_mem = '512MB'`)
  await client.query(`set work_mem = '256MB'`)
}

/**
 * Phase 1, one file: COPY into a fresh table carrying the per-row CHECKs, statistics, then the
 * rules within the file (key index, SIRET checksums). Its own transaction: a refusal rolls the
 * table away; a success leaves a complete table that nothing reads until phase 2 attaches it.
 */
async function stage(client: ClientBase, file: LedgerFileInput, options: LoadOptions): Promise<StageOutcome> {
  const versionId = randomUUID()
  const table = partitionName(file.kind, versionId)
  await client.query('begin')
  try {
    let since = performance.now()
    const { rows, sha256 } = await copyFile(client, file, table, versionId, options)
    trace(`${file.kind} copy`, since)
    since = performance.now()
    // Statistics before the checks: without them the planner takes a fresh table for empty.
    await client.query(`analyze "${table}"`)
    trace(`${file.kind} analyze`, since)
    options.onProgress?.({ kind: file.kind, phase: 'check', bytesDone: file.bytes, bytesTotal: file.bytes })
    const problems = await fileProblems(client, file.kind, table)
    if (problems.count > 0) {
      await client.query('rollback')
      return { ok: false, report: { kind: file.kind, name: file.name, problems: problems.rows, problemCount: problems.count } }
    }
    await client.query('commit')
    return { ok: true, staged: { file, table, version: { kind: file.kind, id: versionId, rows, sha256 } } }
  } catch (error) {
    await client.query('rollback').catch(() => {})
    if (!(error instanceof CheckFailure)) throw error
    // The COPY stopped at the first broken row: read the file again to list them all.
    const report = await reportRowProblems(file, options.identifierPattern)
    return { ok: false, report: { kind: file.kind, name: file.name, ...report } }
  }
}

/**
 * Runs each lane's items in order on its connection, lanes at once; a lane stops when `each`
 * returns false. Every lane has stopped before this returns or throws.
 */
async function inLanes<T>(lanes: readonly { client: ClientBase; items: readonly T[] }[], each: (client: ClientBase, item: T) => Promise<boolean>): Promise<void> {
  const settled = await Promise.allSettled(
    lanes.map(async ({ client, items }) => {
      for (const item of items) if (!(await each(client, item))) return
    }),
  )
  const failed = settled.find((l) => l.status === 'rejected')
  if (failed) throw failed.reason
}

/** Biggest files first, each to the lane with the fewest bytes so far. */
function lanesFor(files: readonly LedgerFileInput[]): LedgerFileInput[][] {
  const lanes: { bytes: number; files: LedgerFileInput[] }[] = Array.from({ length: LANES }, () => ({ bytes: 0, files: [] }))
  for (const file of [...files].sort((a, b) => b.bytes - a.bytes)) {
    const lane = lanes.reduce((least, l) => (l.bytes < least.bytes ? l : least))
    lane.files.push(file)
    lane.bytes += file.bytes
  }
  return lanes.map((l) => l.files).filter((l) => l.length > 0)
}

const STAGED_TABLE = '^ledger_(commanditaire|pass|scan|payment|creditor)_[0-9a-f]{32}$'

/** Staged tables of a load that was killed before its swap: not partitions, not anyone's version. */
async function sweepStaged(client: ClientBase): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `select c."relname" as "name" from pg_class c
     where c."relkind" = 'r' and c."relname" ~ '${STAGED_TABLE}' and c."relnamespace" = 'public'::regnamespace
       and not exists (select 1 from pg_inherits i where i."inhrelid" = c."oid")`,
  )
  for (const { name } of rows) await client.query(`drop table if exists "${name}"`)
}

/**
 * Loads the given files (at most one per kind). Phase 1 stages the files on two connections at
 * once; phase 2, on `client`, checks references, attaches every table and swaps the versions in one
 * transaction. Until that commit nothing the application reads has changed.
 */
export async function loadLedgerFiles(client: ClientBase, connect: Connect, files: readonly LedgerFileInput[], options: LoadOptions): Promise<LoadOutcome> {
  // One load at a time: the second waits here; the lock also makes the sweep safe. It is a
  // session lock, so a killed process releases it with its connection.
  await client.query(`select pg_advisory_lock(hashtext('ledger-load'))`)
  const staged: Staged[] = []
  try {
    await sweepStaged(client)
    await tuned(client)
    const reports: FileReport[] = []
    const laneFiles = lanesFor(files)
    const laneClients = await Promise.all(laneFiles.map(() => connect()))
    try {
      await Promise.all(laneClients.map(tuned))
      await inLanes(laneFiles.map((lane, i) => ({ client: laneClients[i] as ClientBase, items: lane })), async (client, file) => {
        const outcome = await stage(client, file, options)
        if (outcome.ok) staged.push(outcome.staged)
        else reports.push(outcome.report)
        return reports.length === 0
      })
      if (reports.length > 0) return { ok: false, reports }
      // References across files, read-only: the load lock keeps current versions still until the
      // swap, so they can run two at a time before it.
      const batch = Object.fromEntries(staged.map((s) => [s.file.kind, s.table])) as Partial<Record<LedgerKind, string>>
      const byLane: Staged[][] = laneClients.map(() => [])
      ;[...staged].sort((a, b) => b.file.bytes - a.file.bytes).forEach((s, i) => byLane[i % byLane.length]?.push(s))
      await inLanes(byLane.map((items, i) => ({ client: laneClients[i] as ClientBase, items })), async (client, s) => {
        const problems = await referenceProblems(client, s.file.kind, s.table, batch, options.procedureId)
        if (problems.count > 0) reports.push({ kind: s.file.kind, name: s.file.name, problems: problems.rows, problemCount: problems.count })
        return reports.length === 0
      })
      if (reports.length > 0) return { ok: false, reports }
    } finally {
      await Promise.all(laneClients.map((c) => c.end().catch(() => {})))
    }
    return await swap(client, staged, options)
  } finally {
    // Whatever was staged but not attached (a refusal, an error) goes; attached tables stay.
    await sweepStaged(client).catch(() => {})
    await client.query(`select pg_advisory_unlock(hashtext('ledger-load'))`).catch(() => {})
  }
}

/** Phase 2: attach, versions, audit; one short transaction. */
async function swap(client: ClientBase, staged: readonly Staged[], options: LoadOptions): Promise<LoadOutcome> {
  const ordered = LOAD_ORDER.flatMap((kind) => staged.filter((s) => s.file.kind === kind))
  await client.query('begin')
  try {
    for (const { file, table, version } of ordered) {
      await attach(client, file, table, version, options)
      options.onProgress?.({ kind: file.kind, phase: 'done', bytesDone: file.bytes, bytesTotal: file.bytes })
    }
    const versions = ordered.map((s) => s.version)
    await options.beforeCommit?.(client, versions)
    await client.query('commit')
    await dropOldVersions(client, options.procedureId)
    return { ok: true, versions }
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  }
}

class CheckFailure extends Error {
  readonly kind: LedgerKind
  constructor(kind: LedgerKind, cause: unknown) {
    super(`COPY refused a row of ${kind}`, { cause })
    this.kind = kind
  }
}

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
  const copy = client.query(copyFrom(`copy "${table}" (${columns}) from stdin with (format csv, header true, delimiter ';', encoding 'UTF8', freeze true)`))
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
