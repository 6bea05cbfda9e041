// Running one reading job, page by page. Resumable: a page's results, its status and the job's
// count are written in one transaction, so after a crash the job (retried by pg-boss) skips the
// pages already read and never stores a page twice. A page that keeps failing is marked failed
// with its reason (after MAX_PAGE_ATTEMPTS, counted in the database so a page that crashes the
// process is not retried forever); the other pages are still read.
import { readFile } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { SYSTEM_ACTOR, recordAudit } from '../audit/service.ts'
import { Claim, Evidence } from '../claims/entities.ts'
import { identifierRule } from '../claims/service.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { Procedure } from '../procedure/entities.ts'
import { pageImages, type PageImages } from './decode.ts'
import { ReadingCandidate, ReadingJob, type JobStatus, type ReadingJobEntity } from './entities.ts'
import { ledgerIndex } from './ledger.ts'
import { readPage, type PageReading } from './read-page.ts'

export const MAX_PAGE_ATTEMPTS = 2
/**
 * A page of six passes reads in a second or two on two cores, crops read again included; one
 * still running after this is stuck (a huge photo, noise that passed the grain check) and must
 * not hold the job, nor the person waiting, for ever.
 */
export const PAGE_TIMEOUT_MS = 120_000
const PAGE_TIMEOUT = 'La lecture de cette page a pris trop de temps, deux fois : déposez une photo plus nette ou plus légère, ou saisissez les numéros de ses pass.'

/** A page that ran out of time: tried again, like a crash, then failed with its own reason. */
export class PageTimeout extends Error {
  constructor() {
    super('page reading timed out')
  }
}
const SYSTEM = { actor: SYSTEM_ACTOR, requestId: null }

export type WorkDeps = {
  orm: MikroORM
  files: EvidenceStore
  /** Tests only: called after each page is stored (e.g. to simulate a crash there). */
  afterPage?: (page: number) => Promise<void> | void
  /** Tests only: another time limit per page than PAGE_TIMEOUT_MS. */
  pageTimeoutMs?: number
}

/** The reading, or a PageTimeout once `ms` have passed; the reading is told to stop then too. */
async function withDeadline<T>(ms: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const timeout = new PageTimeout()
      controller.abort(timeout)
      reject(timeout)
    }, ms)
  })
  const work = run(controller.signal)
  work.catch(() => undefined) // once late, its own failure is no one's concern
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

const FINISHED: ReadonlySet<JobStatus> = new Set(['done', 'failed', 'cancelled'])

async function jobStatus(em: EntityManager, jobId: string): Promise<JobStatus | null> {
  const [row] = await em.execute<{ status: JobStatus }[]>(`select "status" from "reading_job" where "id" = ?`, [jobId])
  return row?.status ?? null
}

async function finish(em: EntityManager, job: ReadingJobEntity, status: 'done' | 'failed', error: string | null): Promise<void> {
  await em.transactional(async (tx) => {
    // A cancellation that arrived meanwhile stands.
    const updated = await tx.execute(
      `update "reading_job" set "status" = ?, "error" = ?, "finished_at" = now(), "updated_at" = now() where "id" = ? and "status" in ('queued', 'running')`,
      [status, error, job.id],
      'run',
    )
    if (Number((updated as { affectedRows?: number }).affectedRows ?? 0) === 0) return
    await recordAudit(tx, { ...SYSTEM, action: `pass_reading.${status}`, entityType: 'claim', entityId: job.claimId, after: { jobId: job.id, status, error } })
  })
}

/** One page's results with its status, or nothing if the page was already stored or the job stopped. */
async function storePage(em: EntityManager, job: ReadingJobEntity, page: number, reading: PageReading): Promise<void> {
  await em.transactional(async (tx) => {
    const [row] = await tx.execute<{ status: string }[]>(`select "status" from "reading_page" where "job_id" = ? and "page" = ? for update`, [job.id, page])
    if (!row || row.status === 'done' || (await jobStatus(tx, job.id)) !== 'running') return
    reading.candidates.forEach((c, ordinal) =>
      tx.create(ReadingCandidate, {
        jobId: job.id,
        page,
        ordinal,
        bbox: c.box,
        crop: c.crop,
        rawText: c.raw,
        identifier: c.identifier,
        how: c.how,
        confidence: Math.max(0, Math.min(1, c.confidence)),
        alternatives: c.alternatives,
        note: c.note,
        inLedger: c.inLedger,
      }),
    )
    await tx.flush()
    await tx.execute(`update "reading_page" set "status" = 'done', "error" = null, "skew" = ?, "updated_at" = now() where "job_id" = ? and "page" = ?`, [reading.skew, job.id, page])
    await tx.execute(`update "reading_job" set "pages_done" = "pages_done" + 1, "updated_at" = now() where "id" = ?`, [job.id])
    await recordAudit(tx, { ...SYSTEM, action: 'pass_reading.page_read', entityType: 'claim', entityId: job.claimId, after: { jobId: job.id, page, candidates: reading.candidates.map((c) => c.identifier) } })
  })
}

async function failPage(em: EntityManager, job: ReadingJobEntity, page: number, reason: string): Promise<void> {
  await em.transactional(async (tx) => {
    await tx.execute(`update "reading_page" set "status" = 'failed', "error" = ?, "updated_at" = now() where "job_id" = ? and "page" = ? and "status" <> 'done'`, [reason, job.id, page])
    await tx.execute(`update "reading_job" set "pages_done" = "pages_done" + 1, "updated_at" = now() where "id" = ?`, [job.id])
    await recordAudit(tx, { ...SYSTEM, action: 'pass_reading.page_failed', entityType: 'claim', entityId: job.claimId, after: { jobId: job.id, page, reason } })
  })
}

const GENERIC_PAGE_FAILURE = 'La lecture de cette page a échoué plusieurs fois : vérifiez que la photo est nette et bien éclairée, puis déposez-la à nouveau.'

type PageRead = (image: Awaited<ReturnType<PageImages['page']>>, signal: AbortSignal) => Promise<PageReading>

async function readOnePage(em: EntityManager, job: ReadingJobEntity, pages: PageImages, n: number, timeoutMs: number, read: PageRead): Promise<void> {
  for (;;) {
    const [state] = await em.execute<{ status: string; attempts: number; error: string | null }[]>(`select "status", "attempts", "error" from "reading_page" where "job_id" = ? and "page" = ?`, [job.id, n])
    if (!state || state.status === 'done' || state.status === 'failed') return
    // The last attempt's own reason when it left one (a timeout), else the generic advice.
    if (state.attempts >= MAX_PAGE_ATTEMPTS) return failPage(em, job, n, state.error ?? GENERIC_PAGE_FAILURE)
    // Counted before trying: a page that kills the process still uses up its attempts.
    await em.execute(`update "reading_page" set "status" = 'running', "attempts" = "attempts" + 1, "updated_at" = now() where "job_id" = ? and "page" = ?`, [job.id, n])
    try {
      return await storePage(em, job, n, await withDeadline(timeoutMs, async (signal) => read(await pages.page(n), signal)))
    } catch (error) {
      // A page that cannot be read as an image will not become readable by trying again.
      if (error instanceof DomainError) return failPage(em, job, n, error.message)
      if (error instanceof PageTimeout) await em.execute(`update "reading_page" set "error" = ?, "updated_at" = now() where "job_id" = ? and "page" = ?`, [PAGE_TIMEOUT, job.id, n])
    }
  }
}

export async function runReadingJob(deps: WorkDeps, jobId: string): Promise<void> {
  const em = deps.orm.em.fork()
  const job = await em.findOne(ReadingJob, { id: jobId })
  if (!job || FINISHED.has(job.status)) return
  await em.transactional(async (tx) => {
    await tx.execute(`update "reading_job" set "status" = 'running', "updated_at" = now() where "id" = ? and "status" = 'queued'`, [job.id])
    if (job.status === 'queued') await recordAudit(tx, { ...SYSTEM, action: 'pass_reading.started', entityType: 'claim', entityId: job.claimId, after: { jobId: job.id } })
  })
  const evidence = await em.findOneOrFail(Evidence, { id: job.evidenceId })
  const claim = await em.findOneOrFail(Claim, { id: job.claimId })
  const procedure = await em.findOneOrFail(Procedure, { id: claim.procedureId })
  const rule = identifierRule(procedure)
  const { versionId, index } = await ledgerIndex(em, procedure.id)

  let pages: PageImages
  try {
    if (!(await deps.files.exists(evidence.sha256))) throw new DomainError('not_found', 'evidence_not_found', 'Le fichier n’est plus disponible.')
    pages = await pageImages(await readFile(deps.files.path(evidence.sha256)), evidence.mime)
  } catch (error) {
    if (error instanceof DomainError) return finish(em, job, 'failed', error.message)
    throw error
  }
  await em.transactional(async (tx) => {
    await tx.execute(`update "reading_job" set "pages_total" = ?, "ledger_version_id" = ?, "updated_at" = now() where "id" = ?`, [pages.count, versionId, job.id])
    await tx.execute(`insert into "reading_page" ("job_id", "page") select ?, n from generate_series(1, ?::int) n on conflict do nothing`, [job.id, pages.count])
  })

  // As many pages in flight as OCR workers (plus one being prepared), so the pool stays busy.
  const queue = Array.from({ length: pages.count }, (_, i) => i + 1)
  let stopped = false
  await Promise.all(Array.from({ length: Math.min(pages.count, availableParallelism() + 1) }, async () => {
    const lane = deps.orm.em.fork()
    for (let n = queue.shift(); n !== undefined && !stopped; n = queue.shift()) {
      if ((await jobStatus(lane, job.id)) !== 'running') {
        stopped = true
        return
      }
      await readOnePage(lane, job, pages, n, deps.pageTimeoutMs ?? PAGE_TIMEOUT_MS, (image, signal) => readPage(image, { rule, index, signal }))
      await deps.afterPage?.(n)
    }
  }))
  if (stopped) return
  const [summary] = await em.execute<{ failed: string; first_error: string | null; candidates: string }[]>(
    `select count(*) filter (where p."status" = 'failed') as failed,
            min(p."error") filter (where p."status" = 'failed') as first_error,
            (select count(*) from "reading_candidate" c where c."job_id" = ?) as candidates
       from "reading_page" p where p."job_id" = ?`,
    [job.id, job.id],
  )
  const failed = Number(summary?.failed ?? 0)
  if (failed === pages.count) return finish(em, job, 'failed', pages.count === 1 ? (summary?.first_error ?? GENERIC_PAGE_FAILURE) : `Aucune page n’a pu être lue. ${summary?.first_error ?? ''}`.trim())
  if (Number(summary?.candidates ?? 0) === 0) {
    return finish(em, job, 'failed', 'Aucun numéro de pass n’a été trouvé dans ce fichier : vérifiez que les numéros sont lisibles (photo nette, bien éclairée, de face) ou saisissez-les.')
  }
  return finish(em, job, 'done', failed ? `${failed} page(s) n’ont pas pu être lues.` : null)
}
