// The operator's ledger: the liquidator loads its extracts (issued passes, scans, payments,
// commanditaires, the debtor's creditor list), each as a new version swapped in atomically.

import { randomUUID } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import type { EntityManager } from '@mikro-orm/postgresql'
import pg from 'pg'
import { DomainError } from '../../errors.ts'
import { LEDGER_FILES, expectedHeaders, kindOfHeader, type LedgerKind } from '../../lib/ledger-files.ts'
import type { Actor } from '../audit/service.ts'
import { recordAudit, recordAuditSql } from '../audit/service.ts'
import { reconcileProcedure } from '../reconciliation/service.ts'
import { loadLedgerFiles, type FileReport, type LedgerFileInput, type LoadProgress, type LoadedVersion } from './load.ts'

export interface NamedFile {
  readonly path: string
  /** As given by the person: shown in reports, never used to decide the kind. */
  readonly name: string
}

async function firstLine(path: string): Promise<string> {
  const handle = await open(path, 'r')
  try {
    const buffer = Buffer.alloc(4096)
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0)
    return buffer.subarray(0, bytesRead).toString('utf8').split('\n')[0] ?? ''
  } finally {
    await handle.close()
  }
}

/** Tells each file's kind from its header line; refuses the set when one is unknown or repeated. */
export async function identifyFiles(files: readonly NamedFile[], options: { skipUnknown?: boolean } = {}): Promise<LedgerFileInput[]> {
  if (files.length === 0) throw new DomainError('invalid', 'ledger_no_file', 'Choisissez au moins un fichier du grand livre.')
  const out: LedgerFileInput[] = []
  for (const file of files) {
    const kind = kindOfHeader(await firstLine(file.path))
    if (kind === null && options.skipUnknown) continue
    if (kind === null) {
      throw new DomainError('invalid', 'ledger_unknown_header', `« ${file.name} » : ligne d’en-tête non reconnue. En-têtes attendus (séparateur ;) : ${expectedHeaders()}.`, [
        { path: file.name, message: 'ligne 1 : en-tête non reconnu' },
      ])
    }
    const twin = out.find((f) => f.kind === kind)
    if (twin) {
      throw new DomainError('invalid', 'ledger_same_kind_twice', `« ${twin.name} » et « ${file.name} » sont deux fichiers de ${LEDGER_FILES[kind].label} : n’en joignez qu’un.`)
    }
    out.push({ kind, path: file.path, name: file.name, bytes: (await stat(file.path)).size })
  }
  return out
}

export interface LoadRequest {
  readonly procedureId: string
  readonly files: readonly LedgerFileInput[]
  readonly actor: Actor
  readonly requestId?: string | null
  /** An existing ledger_load row (the page's queued load); a new one otherwise (CLI). */
  readonly loadId?: string
  readonly onProgress?: (progress: LoadProgress) => void
}

export type LoadResult =
  | { readonly ok: true; readonly loadId: string; readonly versions: readonly LoadedVersion[]; readonly reconciled: number }
  | { readonly ok: false; readonly loadId: string; readonly reports: readonly FileReport[] }

const fileSummary = (files: readonly LedgerFileInput[]) => files.map((f) => ({ kind: f.kind, name: f.name, bytes: f.bytes }))

/** Records a load before it runs, so the page can follow it. */
export async function queueLoad(em: EntityManager, procedureId: string, files: readonly LedgerFileInput[], actor: Actor, status: 'queued' | 'running'): Promise<string> {
  const id = randomUUID()
  await em.execute(`insert into "ledger_load" ("id", "procedure_id", "status", "files", "created_by") values (?, ?, ?, ?, ?)`, [
    id,
    procedureId,
    status,
    JSON.stringify(fileSummary(files)),
    actor.id,
  ])
  return id
}

/**
 * Runs a load on its own connection (its transaction spans the whole COPY), then reconciles the
 * procedure. Progress goes to ledger_load through the ORM's pool, outside the load's transaction.
 */
export async function runLoad(em: EntityManager, databaseUrl: string, request: LoadRequest): Promise<LoadResult> {
  const procedure = await em.execute<{ identifier_pattern: string }[]>(`select "identifier_pattern" from "procedure" where "id" = ?`, [request.procedureId])
  const pattern = procedure[0]?.identifier_pattern
  if (pattern === undefined) throw new DomainError('not_found', 'procedure_not_found', 'Procédure introuvable.')
  const loadId = request.loadId ?? (await queueLoad(em, request.procedureId, request.files, request.actor, 'running'))
  await em.execute(`update "ledger_load" set "status" = 'running' where "id" = ?`, [loadId])
  let pending: Promise<unknown> = Promise.resolve()
  const onProgress = (progress: LoadProgress) => {
    request.onProgress?.(progress)
    pending = pending.then(() => em.execute(`update "ledger_load" set "progress" = ? where "id" = ?`, [JSON.stringify(progress), loadId])).catch(() => {})
  }
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'ledger-load' })
  await client.connect()
  try {
    const connect = async () => {
      const lane = new pg.Client({ connectionString: databaseUrl, application_name: 'ledger-load' })
      await lane.connect()
      return lane
    }
    const outcome = await loadLedgerFiles(client, connect, request.files, {
      procedureId: request.procedureId,
      identifierPattern: pattern,
      loadId,
      onProgress,
      beforeCommit: async (tx, versions) => {
        await tx.query(`update "ledger_load" set "status" = 'loaded', "finished_at" = now(), "report" = null where "id" = $1`, [loadId])
        await recordAuditSql(tx, {
          actor: request.actor,
          requestId: request.requestId ?? null,
          action: 'ledger.loaded',
          entityType: 'ledger_load',
          entityId: loadId,
          after: { versions: versions.map((v) => ({ kind: v.kind, versionId: v.id, rows: v.rows, sha256: v.sha256 })) },
        })
      },
    })
    await pending
    if (!outcome.ok) {
      await em.transactional(async (tx) => {
        await tx.execute(`update "ledger_load" set "status" = 'refused', "finished_at" = now(), "report" = ? where "id" = ?`, [JSON.stringify(outcome.reports), loadId])
        await recordAudit(tx, {
          actor: request.actor,
          requestId: request.requestId ?? null,
          action: 'ledger.refused',
          entityType: 'ledger_load',
          entityId: loadId,
          after: { files: fileSummary(request.files), badRows: outcome.reports.reduce((n, r) => n + r.problemCount, 0) },
        })
      })
      return { ok: false, loadId, reports: outcome.reports }
    }
    const reconciled = await em.transactional(async (tx) => {
      const count = await reconcileProcedure(tx, request.procedureId)
      await recordAudit(tx, { actor: request.actor, action: 'reconciliation.run', entityType: 'procedure', entityId: request.procedureId, after: { lines: count, loadId } })
      return count
    })
    return { ok: true, loadId, versions: outcome.versions, reconciled }
  } catch (error) {
    await pending
    await em.execute(`update "ledger_load" set "status" = 'failed', "finished_at" = now(), "error" = ? where "id" = ?`, [
      error instanceof Error ? error.message.slice(0, 1000) : String(error),
      loadId,
    ])
    throw error
  } finally {
    await client.end().catch(() => {})
  }
}

export interface LedgerVersionRow {
  readonly kind: LedgerKind
  readonly label: string
  readonly id: string
  readonly fileName: string
  readonly sha256: string
  readonly rows: number
  readonly loadedAt: Date
}

export async function currentVersions(em: EntityManager, procedureId: string): Promise<LedgerVersionRow[]> {
  const rows = await em.execute<{ kind: LedgerKind; id: string; file_name: string; file_sha256: string; rows: number; loaded_at: Date }[]>(
    `select "kind", "id", "file_name", "file_sha256", "rows", "loaded_at" from "ledger_version" where "procedure_id" = ? and "status" = 'current'`,
    [procedureId],
  )
  return rows.map((r) => ({ kind: r.kind, label: LEDGER_FILES[r.kind].label, id: r.id, fileName: r.file_name, sha256: r.file_sha256, rows: r.rows, loadedAt: r.loaded_at }))
}
