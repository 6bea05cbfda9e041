// Loading the operator's extracts as new ledger versions, all or nothing (issue 6, DOMAIN §4).
// Phase 1 stages the files on two connections: COPY into fresh tables whose CHECK constraints carry
// the per-row rules, then, as set-based SQL, the rules within a file (duplicates, SIRETs) and the
// references across files. Phase 2, one transaction, attaches the tables as partitions and marks
// them current. Staged tables are attached to nothing, so a refusal or a killed process leaves the
// previous version answering; the load's end, or the next load, drops what is left behind. A
// refused file gets a report of every bad row.

import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ClientBase } from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { LEDGER_FILES, LOAD_ORDER, checkConstraints, type LedgerKind, type RowProblem } from '../../lib/ledger-files.ts'
import { fileProblems, referenceProblems, referenceTarget } from './cross-checks.ts'
import { IdentifierRefused, IdentifierScan } from './identifier-scan.ts'
import { runSteps, type Step } from './task-graph.ts'
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

const LANES = 2

async function tuned(client: ClientBase): Promise<void> {
  // Index builds and the anti-joins of a million rows stay in memory this way.
  await client.query(`set maintenance_work_mem = '512MB'`)
  await client.query(`set work_mem = '256MB'`)
  // Two lanes already keep both cores busy: parallel workers on top would only contend.
  await client.query(`set max_parallel_workers_per_gather = 0`)
  await client.query(`set max_parallel_maintenance_workers = 0`)
}

/** Runs `work` in a transaction, committed when `keep` says so of its result, else rolled back. */
async function inTransaction<T>(client: ClientBase, work: () => Promise<T>, keep: (result: T) => boolean): Promise<T> {
  await client.query('begin')
  try {
    const result = await work()
    await client.query(keep(result) ? 'commit' : 'rollback')
    return result
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  }
}

const STAGED_TABLE = '^ledger_(commanditaire|pass|scan|payment|creditor)_[0-9a-f]{32}$'

/** Staged tables left without a swap (a refusal, a killed load): not partitions, not anyone's version. */
async function sweepStaged(client: ClientBase): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `select c."relname" as "name" from pg_class c
     where c."relkind" = 'r' and c."relname" ~ '${STAGED_TABLE}' and c."relnamespace" = 'public'::regnamespace
       and not exists (select 1 from pg_inherits i where i."inhrelid" = c."oid")`,
  )
  for (const { name } of rows) await client.query(`drop table if exists "${name}"`)
}

/**
 * Phase 1 as steps on two connections. Per file: `copy` (COPY FREEZE into a fresh table carrying
 * the per-row CHECKs, committed at once so the other connection can read it), `keys` (the key
 * index, which also finds duplicates; SIRET checksums), `refs` (references to another file of the
 * load or to the current version) and `stats` (ANALYZE). A pass's reference to its commanditaire
 * is an anti-join on the heap, run while the other lane builds the passes' index; a scan's or a
 * payment's reference to its pass waits for both key indexes (cross-checks.ts says why). Staged
 * tables are committed but attached to nothing, so nothing the application reads changes;
 * whatever is left when the load ends without its swap is dropped.
 */
function phaseOne(files: readonly LedgerFileInput[], options: LoadOptions, staged: Map<LedgerKind, Staged>, reports: FileReport[]): Step<ClientBase>[] {
  const bySize = [...files].sort((a, b) => b.bytes - a.bytes)
  const refuse = (report: FileReport) => {
    reports.push(report)
    return false
  }
  const copies = bySize.map(
    (file): Step<ClientBase> => ({
      key: `copy:${file.kind}`,
      after: [],
      run: async (client) => {
        const versionId = randomUUID()
        const table = partitionName(file.kind, versionId)
        const since = performance.now()
        const copied = await copyFile(client, file, table, versionId, options)
        trace(`${file.kind} copy`, since)
        if (!copied.ok) {
          // The COPY stopped at the first broken row: read the file again to list them all.
          const report = await reportRowProblems(file, options.identifierPattern)
          return refuse({ kind: file.kind, name: file.name, ...report })
        }
        staged.set(file.kind, { file, table, version: { kind: file.kind, id: versionId, rows: copied.rows, sha256: copied.sha256 } })
        return true
      },
    }),
  )
  const keys = bySize.map(
    (file): Step<ClientBase> => ({
      key: `keys:${file.kind}`,
      after: [`copy:${file.kind}`],
      run: async (client) => {
        const { table } = staged.get(file.kind) as Staged
        options.onProgress?.({ kind: file.kind, phase: 'index', bytesDone: file.bytes, bytesTotal: file.bytes })
        const problems = await inTransaction(client, () => fileProblems(client, file.kind, table), (p) => p.count === 0)
        return problems.count > 0 ? refuse({ kind: file.kind, name: file.name, problems: problems.rows, problemCount: problems.count }) : true
      },
    }),
  )
  // Statistics for the reconciliation that follows the load and for whatever reads the new
  // version; nothing in the load needs them (its plans are forced), so they come last.
  const stats = bySize.map(
    (file): Step<ClientBase> => ({
      key: `stats:${file.kind}`,
      after: [`keys:${file.kind}`],
      run: async (client) => {
        const since = performance.now()
        await client.query(`analyze "${(staged.get(file.kind) as Staged).table}"`)
        trace(`${file.kind} analyze`, since)
        return true
      },
    }),
  )
  const batch = () => Object.fromEntries([...staged].map(([kind, s]) => [kind, { table: s.table, versionId: s.version.id }]))
  const refs = bySize.map((file): Step<ClientBase> => {
    const target = referenceTarget(file.kind)
    // A reference to passes is checked on the key indexes (referenceProblems says why).
    const needs = target === 'passes' ? ['keys:passes', `keys:${file.kind}`] : target ? [`copy:${target}`] : []
    return {
      key: `refs:${file.kind}`,
      after: [`copy:${file.kind}`, ...needs],
      run: async (client) => {
        options.onProgress?.({ kind: file.kind, phase: 'check', bytesDone: file.bytes, bytesTotal: file.bytes })
        const { table, version } = staged.get(file.kind) as Staged
        const problems = await referenceProblems(client, file.kind, { table, versionId: version.id }, batch(), options.procedureId)
        return problems.count > 0 ? refuse({ kind: file.kind, name: file.name, problems: problems.rows, problemCount: problems.count }) : true
      },
    }
  })
  // Priority: copies (biggest first), then what unblocks most: keys, references, statistics.
  return [...copies, ...keys, ...refs, ...stats]
}

/**
 * Loads the given files (at most one per kind). Phase 1 stages and checks the files on two
 * connections at once; phase 2, on `client`, attaches every table and swaps the versions in one
 * transaction. Until that commit nothing the application reads has changed.
 */
export async function loadLedgerFiles(client: ClientBase, connect: Connect, files: readonly LedgerFileInput[], options: LoadOptions): Promise<LoadOutcome> {
  // One load at a time: the second waits here; the lock also makes the sweep safe. It is a
  // session lock, so a killed process releases it with its connection.
  await client.query(`select pg_advisory_lock(hashtext('ledger-load'))`)
  try {
    await sweepStaged(client)
    await tuned(client)
    const staged = new Map<LedgerKind, Staged>()
    const reports: FileReport[] = []
    const lanes = await Promise.all(Array.from({ length: Math.min(LANES, files.length) }, () => connect()))
    try {
      await Promise.all(lanes.map(tuned))
      await runSteps(lanes, phaseOne(files, options, staged, reports))
    } finally {
      await Promise.all(lanes.map((c) => c.end().catch(() => {})))
    }
    if (reports.length > 0) return { ok: false, reports }
    return await swap(client, [...staged.values()], options)
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

// SQLSTATE classes a malformed row raises during COPY: data exceptions (22…) and integrity
// constraint violations (23…: not null, check).
const ROW_ERROR = /^2[23]/u

type Copied = { ok: true; rows: number; sha256: string } | { ok: false }

/**
 * COPY FREEZE into a table created in the same transaction, committed when every row passed.
 * The passes' identifiers are tested on the way (IdentifierScan); a quoted file is tested in SQL.
 */
async function copyFile(client: ClientBase, file: LedgerFileInput, table: string, versionId: string, options: LoadOptions): Promise<Copied> {
  const spec = LEDGER_FILES[file.kind]
  const checks = [`"version_id" = '${versionId}'`, ...checkConstraints(spec)]
  const columns = spec.columns.map((c) => `"${c.name}"`).join(', ')
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
  const identifiers = spec.kind === 'passes' ? new IdentifierScan(options.identifierPattern) : null
  return inTransaction(client, async (): Promise<Copied> => {
    await client.query(`create table "${table}" (like "${spec.table}" including defaults)`)
    await client.query(`alter table "${table}" alter column "version_id" set default '${versionId}', ${checks.map((c, i) => `add constraint "c${i}" check (${c})`).join(', ')}`)
    const copy = client.query(copyFrom(`copy "${table}" (${columns}) from stdin with (format csv, header true, delimiter ';', encoding 'UTF8', freeze true)`))
    try {
      await pipeline([createReadStream(file.path, { highWaterMark: 1 << 20 }), counter, ...(identifiers ? [identifiers] : []), copy])
    } catch (error) {
      const code = typeof error === 'object' && error && 'code' in error ? String(error.code) : ''
      if (error instanceof IdentifierRefused || ROW_ERROR.test(code)) return { ok: false }
      throw error
    }
    if (identifiers && !identifiers.complete) {
      const { rows: bad } = await client.query(`select 1 from "${table}" where "identifier" !~ $1 limit 1`, [`^(?:${options.identifierPattern})$`])
      if (bad.length > 0) return { ok: false }
    }
    return { ok: true, rows: copy.rowCount, sha256: hash.digest('hex') }
  }, (copied) => copied.ok)
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
