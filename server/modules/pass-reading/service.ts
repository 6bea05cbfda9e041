// Reading passes from scans and photos: a structure uploads files, each is read in the background
// (work.ts), and a person confirms every identifier before it becomes a line of the claim.
// Nothing read is added to a claim without that confirmation; every change is audited.
import { LockMode } from '@mikro-orm/core'
import type { EntityManager } from '@mikro-orm/postgresql'
import type { PgBoss } from 'pg-boss'
import { DomainError } from '../../errors.ts'
import { enqueue } from '../../jobs/boss.ts'
import { isUuid } from '../../lib/uuid.ts'
import type { AuditContext } from '../accounts/service.ts'
import { recordAudit, SYSTEM_ACTOR } from '../audit/service.ts'
import type { ClaimEntity, EvidenceEntity } from '../claims/entities.ts'
import { addPassLine } from '../claims/service.ts'
import { ReadingCandidate, ReadingJob, ReadingPage, type ReadingCandidateEntity, type ReadingJobEntity } from './entities.ts'

export const READING_QUEUE = 'pass-reading'
/** "Accept all confident ones": read from a code, or read/corrected and issued, or pattern-exact. */
export const CONFIDENT = 0.9
export const READABLE_MIMES = ['image/jpeg', 'image/png', 'image/tiff', 'image/heic', 'application/pdf'] as const

/** One job per file, enqueued in the same transaction (rolled back together). */
export async function startReading(em: EntityManager, boss: PgBoss, claim: ClaimEntity, files: EvidenceEntity[], audit: AuditContext): Promise<ReadingJobEntity[]> {
  const jobs = files.map((file) => em.create(ReadingJob, { claimId: claim.id, evidenceId: file.id, createdBy: audit.actor.id }))
  await em.flush()
  for (const job of jobs) {
    await enqueue(boss, em, READING_QUEUE, { jobId: job.id }, { id: job.id })
    await recordAudit(em, { ...audit, action: 'pass_reading.queued', entityType: 'claim', entityId: claim.id, after: { jobId: job.id, evidenceId: job.evidenceId } })
  }
  return jobs
}

export async function listJobs(em: EntityManager, claimId: string): Promise<ReadingJobEntity[]> {
  return em.find(ReadingJob, { claimId }, { orderBy: { createdAt: 'desc' }, limit: 50 })
}

export async function findJob(em: EntityManager, claimId: string, jobId: string): Promise<ReadingJobEntity> {
  const job = isUuid(jobId) ? await em.findOne(ReadingJob, { id: jobId, claimId }) : null
  if (!job) throw new DomainError('not_found', 'reading_job_not_found', 'Cette lecture n’existe pas dans cette déclaration.')
  return job
}

export type JobProgress = {
  job: ReadingJobEntity
  pages: { page: number; status: string; attempts: number; error: string | null; candidates: number }[]
  candidates: number
  pending: number
  confidentPending: number
}

export async function jobProgress(em: EntityManager, job: ReadingJobEntity): Promise<JobProgress> {
  const pages = await em.find(ReadingPage, { jobId: job.id }, { orderBy: { page: 'asc' } })
  const counts = await em.execute<{ page: number; n: string; pending: string; confident: string }[]>(
    `select "page", count(*) as n, count(*) filter (where "decision" = 'pending') as pending,
            count(*) filter (where "decision" = 'pending' and "confidence" >= ? and "how" <> 'unmatched') as confident
       from "reading_candidate" where "job_id" = ? group by "page"`,
    [CONFIDENT, job.id],
  )
  const byPage = new Map(counts.map((c) => [c.page, c]))
  const sum = (k: 'n' | 'pending' | 'confident') => counts.reduce((s, c) => s + Number(c[k]), 0)
  return {
    job,
    pages: pages.map((p) => ({ page: p.page, status: p.status, attempts: p.attempts, error: p.error ?? null, candidates: Number(byPage.get(p.page)?.n ?? 0) })),
    candidates: sum('n'),
    pending: sum('pending'),
    confidentPending: sum('confident'),
  }
}

export async function jobCandidates(em: EntityManager, jobId: string): Promise<ReadingCandidateEntity[]> {
  return em.find(ReadingCandidate, { jobId }, { orderBy: { page: 'asc', ordinal: 'asc' } })
}

export async function candidateCrop(em: EntityManager, jobId: string, candidateId: string): Promise<Buffer> {
  const row = isUuid(candidateId) ? await em.findOne(ReadingCandidate, { id: candidateId, jobId }, { populate: ['crop'] }) : null
  if (!row) throw new DomainError('not_found', 'reading_candidate_not_found', 'Cet extrait n’existe pas.')
  return Buffer.from(row.crop)
}

export async function cancelJob(em: EntityManager, claim: ClaimEntity, jobId: string, audit: AuditContext): Promise<void> {
  const job = await findJob(em, claim.id, jobId)
  await em.lock(job, LockMode.PESSIMISTIC_WRITE)
  if (job.status !== 'queued' && job.status !== 'running') {
    throw new DomainError('conflict', 'reading_job_finished', 'Cette lecture est déjà terminée : il n’y a plus rien à arrêter.')
  }
  const before = job.status
  job.status = 'cancelled'
  job.finishedAt = new Date()
  await em.flush()
  await recordAudit(em, { ...audit, action: 'pass_reading.cancelled', entityType: 'claim', entityId: claim.id, before: { jobId: job.id, status: before }, after: { jobId: job.id, status: 'cancelled' } })
}

const GAVE_UP = 'La lecture de ce fichier a échoué plusieurs fois sur le serveur. Déposez-le à nouveau, ou saisissez les numéros de ses pass.'

/**
 * The queue's last attempt at a job failed: the job is marked failed, so the person waiting sees
 * why instead of "lecture en cours" for ever. A job already finished or cancelled is left as it is.
 */
export async function abandonReading(em: EntityManager, jobId: string, cause: unknown): Promise<void> {
  await em.transactional(async (tx) => {
    const [job] = await tx.execute<{ claim_id: string }[]>(
      `update "reading_job" set "status" = 'failed', "error" = ?, "finished_at" = now(), "updated_at" = now()
       where "id" = ? and "status" in ('queued', 'running') returning "claim_id"`,
      [GAVE_UP, jobId],
    )
    if (!job) return
    const reason = cause instanceof Error ? cause.message : String(cause)
    await recordAudit(tx, { actor: SYSTEM_ACTOR, requestId: null, action: 'pass_reading.failed', entityType: 'claim', entityId: job.claim_id, after: { jobId, status: 'failed', error: GAVE_UP, cause: reason.slice(0, 500) } })
  })
}

export type DecisionInput = { action: string; identifier?: string }

async function pendingCandidate(em: EntityManager, claim: ClaimEntity, jobId: string, candidateId: string): Promise<{ job: ReadingJobEntity; candidate: ReadingCandidateEntity }> {
  const job = await findJob(em, claim.id, jobId)
  const candidate = isUuid(candidateId) ? await em.findOne(ReadingCandidate, { id: candidateId, jobId: job.id }) : null
  if (!candidate) throw new DomainError('not_found', 'reading_candidate_not_found', 'Ce pass lu n’existe pas dans cette lecture.')
  await em.lock(candidate, LockMode.PESSIMISTIC_WRITE)
  if (candidate.decision !== 'pending') throw new DomainError('conflict', 'reading_candidate_decided', `Le pass ${candidate.identifier} a déjà été traité.`)
  return { job, candidate }
}

/**
 * The claims service's own path adds the line, so its rules hold (identifier format, face value,
 * judgment split, duplicate in the claim, frozen submitted version), recording the file and page.
 */
async function addReadLine(em: EntityManager, claim: ClaimEntity, job: ReadingJobEntity, candidate: ReadingCandidateEntity, identifier: string, audit: AuditContext): Promise<string> {
  const line = await addPassLine(em, claim, { identifier }, audit, { source: 'ocr', evidenceId: job.evidenceId, sourcePage: candidate.page })
  return line.id
}

export async function decideCandidate(em: EntityManager, claim: ClaimEntity, jobId: string, candidateId: string, input: DecisionInput, audit: AuditContext): Promise<ReadingCandidateEntity> {
  const { job, candidate } = await pendingCandidate(em, claim, jobId, candidateId)
  const before = { candidateId: candidate.id, identifier: candidate.identifier, decision: candidate.decision }
  if (input.action === 'discard') {
    candidate.decision = 'discarded'
  } else if (input.action === 'accept' || input.action === 'correct') {
    const typed = (input.identifier ?? '').trim()
    const identifier = input.action === 'correct' ? typed : candidate.identifier
    if (input.action === 'correct' && !typed) {
      throw new DomainError('invalid', 'line_invalid', 'Saisissez le numéro corrigé.', [{ path: `identifier-${candidate.id}`, message: 'numéro du pass requis' }])
    }
    try {
      candidate.claimLineId = await addReadLine(em, claim, job, candidate, identifier, audit)
    } catch (error) {
      // The claims service locates its message on "identifier": here, on this candidate's field.
      if (error instanceof DomainError) throw new DomainError(error.kind, error.code, error.message, error.errors.map((e) => ({ ...e, path: `identifier-${candidate.id}` })))
      throw error
    }
    const line = await em.execute<{ identifier: string }[]>(`select "identifier" from "claim_line" where "id" = ?`, [candidate.claimLineId])
    const stored = line[0]?.identifier ?? identifier
    candidate.decision = stored === candidate.identifier ? 'accepted' : 'corrected'
    candidate.decidedIdentifier = stored
  } else {
    throw new DomainError('invalid', 'decision_invalid', 'Choisissez : accepter, corriger ou écarter.')
  }
  candidate.decidedBy = audit.actor.id
  candidate.decidedAt = new Date()
  await em.flush()
  await recordAudit(em, {
    ...audit,
    action: `pass_reading.candidate_${candidate.decision}`,
    entityType: 'claim',
    entityId: claim.id,
    before,
    after: { candidateId: candidate.id, decision: candidate.decision, identifier: candidate.decidedIdentifier, lineId: candidate.claimLineId, evidenceId: job.evidenceId, page: candidate.page },
  })
  return candidate
}

/** Accepts every pending confident reading; those the claim refuses (already declared) stay pending. */
export async function acceptConfident(em: EntityManager, claim: ClaimEntity, jobId: string, audit: AuditContext): Promise<{ accepted: number; refused: string[] }> {
  const job = await findJob(em, claim.id, jobId)
  const candidates = await em.find(ReadingCandidate, { jobId: job.id, decision: 'pending', confidence: { $gte: CONFIDENT }, how: { $ne: 'unmatched' } }, { orderBy: { page: 'asc', ordinal: 'asc' } })
  let accepted = 0
  const refused: string[] = []
  for (const candidate of candidates) {
    try {
      await decideCandidate(em, claim, job.id, candidate.id, { action: 'accept' }, audit)
      accepted++
    } catch (error) {
      // Only refusals found by reading (already declared): nothing was written for this one.
      if (error instanceof DomainError && error.code === 'pass_already_declared') refused.push(candidate.identifier)
      else throw error
    }
  }
  return { accepted, refused }
}
