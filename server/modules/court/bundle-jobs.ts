// The bundle as a job: queued from the court page, written to var/bundles/<id>.zip with its
// progress on the court_bundle row, downloaded when done. A retried job starts the file over. A
// bundle is a copy of files kept elsewhere: its ZIP goes after KEEP_BUNDLE_DAYS (a daily job).
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql'
import type { JobWithMetadata, PgBoss } from 'pg-boss'
import { DomainError } from '../../errors.ts'
import { enqueue, type QueueDefinition } from '../../jobs/boss.ts'
import { isUuid } from '../../lib/uuid.ts'
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.ts'
import type { EvidenceStore } from '../evidence/store.ts'

export const BUNDLE_QUEUE = 'court.bundle'
export const EXPIRY_QUEUE = 'court.bundle-expiry'
export const KEEP_BUNDLE_DAYS = 7

export function bundleQueues(): QueueDefinition[] {
  return [
    { name: BUNDLE_QUEUE, retryLimit: 1, retryDelay: 30, expireInSeconds: 3600 },
    { name: EXPIRY_QUEUE, retryLimit: 3, retryDelay: 300, expireInSeconds: 600 },
  ]
}

export const bundlePath = (varDir: string, bundleId: string) => join(varDir, 'bundles', `${bundleId}.zip`)

export async function queueBundle(em: EntityManager, boss: PgBoss, procedureId: string, claimIds: readonly string[] | null, actor: Actor, requestId: string | null = null): Promise<string> {
  const ids = claimIds === null ? null : [...new Set(claimIds.filter(isUuid))]
  if (ids !== null && ids.length === 0) throw new DomainError('invalid', 'selection_empty', 'Cochez au moins une déclaration, ou demandez le dossier complet.')
  const id = crypto.randomUUID()
  await em.execute(`insert into "court_bundle" ("id", "procedure_id", "claim_ids", "requested_by", "requested_at") values (?, ?, ?::uuid[], ?, now())`, [id, procedureId, ids === null ? null : `{${ids.join(',')}}`, actor.id])
  await recordAudit(em, { actor, requestId, action: 'bundle.queued', entityType: 'court_bundle', entityId: id, after: { claims: ids?.length ?? 'all' } })
  await enqueue(boss, em, BUNDLE_QUEUE, { bundleId: id })
  return id
}

export interface BundleRow {
  readonly id: string
  readonly status: string
  readonly filesDone: number
  readonly filesTotal: number
  readonly bytes: number | null
  readonly sha256: string | null
  readonly error: string | null
  readonly requestedAt: Date
  readonly claims: number | null
}

export async function bundles(em: EntityManager, procedureId: string, bundleId?: string): Promise<BundleRow[]> {
  return em.execute<BundleRow[]>(
    `select "id", "status", "files_done" as "filesDone", "files_total" as "filesTotal", "bytes"::float8 as "bytes", "sha256", "error", "requested_at" as "requestedAt",
            cardinality("claim_ids") as "claims"
     from "court_bundle" where "procedure_id" = ? ${bundleId ? 'and "id" = ?' : ''} order by "requested_at" desc limit 10`,
    bundleId ? [procedureId, bundleId] : [procedureId],
  )
}

export async function runBundle(deps: { orm: MikroORM; files: EvidenceStore; varDir: string }, bundleId: string): Promise<void> {
  const em = deps.orm.em.fork()
  const [row] = await em.execute<{ procedure_id: string; claim_ids: string[] | null; debtor: string }[]>(
    `update "court_bundle" b set "status" = 'running', "files_done" = 0 from "procedure" p where b."id" = ? and p."id" = b."procedure_id"
     returning b."procedure_id", b."claim_ids", p."debtor_name" as "debtor"`,
    [bundleId],
  )
  if (!row) return
  let last = 0
  try {
    // The bundle's code (archiver, exceljs, pdf-lib) is loaded by the first bundle, not by every worker.
    const { writeBundle } = await import('./bundle.ts')
    const result = await writeBundle(em, deps.files, { procedureId: row.procedure_id, claimIds: row.claim_ids, target: bundlePath(deps.varDir, bundleId), debtor: row.debtor }, async (done, total) => {
      if (Date.now() - last < 500 && done < total) return
      last = Date.now()
      await em.execute(`update "court_bundle" set "files_done" = ?, "files_total" = ? where "id" = ?`, [done, total, bundleId])
    })
    await em.execute(`update "court_bundle" set "status" = 'done', "bytes" = ?, "sha256" = ?, "finished_at" = now() where "id" = ?`, [result.bytes, result.sha256, bundleId])
  } catch (error) {
    // The page shows this to the liquidator: words, not a server path; pg-boss keeps the detail with the job.
    const missing = (error as { code?: unknown }).code === 'ENOENT'
    const message = missing ? 'un fichier du dossier est introuvable dans le stockage des pièces ; prévenez l’administrateur' : 'l’archive n’a pas pu être écrite ; réessayez ou prévenez l’administrateur'
    await em.execute(`update "court_bundle" set "status" = 'failed', "error" = ?, "finished_at" = now() where "id" = ?`, [message, bundleId])
    throw error
  }
}

/**
 * Bundles made (or failed) more than KEEP_BUNDLE_DAYS ago: marked expired, audited, then their
 * files deleted once that is committed. The files on disk of expired bundles are looked up, not
 * every expired bundle ever, so a file left by a crash there goes on the next run.
 * Returns the ids expired by this run.
 */
export async function expireBundles(orm: MikroORM, varDir: string, now = new Date()): Promise<string[]> {
  const expired = await orm.em.fork().transactional(async (em) => {
    const rows = await em.execute<{ id: string }[]>(
      `update "court_bundle" set "status" = 'expired' where "status" in ('done', 'failed') and "finished_at" < ?::timestamptz - make_interval(days => ?) returning "id"`,
      [now.toISOString(), KEEP_BUNDLE_DAYS],
    )
    for (const { id } of rows) await recordAudit(em, { actor: SYSTEM_ACTOR, action: 'bundle.expired', entityType: 'court_bundle', entityId: id, after: { keptDays: KEEP_BUNDLE_DAYS } })
    return rows.map((r) => r.id)
  })
  const onDisk = (await readdir(join(varDir, 'bundles')).catch(() => [])).flatMap((name) => /^([0-9a-f-]{36})\.zip$/u.exec(name)?.[1] ?? [])
  const gone = await orm.em.fork().execute<{ id: string }[]>(`select "id" from "court_bundle" where "status" = 'expired' and "id" = any(?::uuid[])`, [`{${onDisk.join(',')}}`])
  for (const { id } of gone) await rm(bundlePath(varDir, id), { force: true })
  return expired
}

export async function workBundles(boss: PgBoss, deps: { orm: MikroORM; files: EvidenceStore; varDir: string; pollingIntervalSeconds: number }): Promise<void> {
  await boss.work(BUNDLE_QUEUE, { includeMetadata: true, pollingIntervalSeconds: deps.pollingIntervalSeconds }, async (jobs: JobWithMetadata<{ bundleId: string }>[]) => {
    for (const { data } of jobs) await runBundle(deps, data.bundleId)
  })
  await boss.work(EXPIRY_QUEUE, { pollingIntervalSeconds: deps.pollingIntervalSeconds }, async () => {
    await expireBundles(deps.orm, deps.varDir)
  })
  await boss.schedule(EXPIRY_QUEUE, '30 3 * * *', null, { tz: 'Europe/Paris' })
}
