// What the reading pages show, in French: statuses, how each identifier was obtained, progress.
import type { EntityManager } from '@mikro-orm/postgresql'
import { formatFrenchDate, parisDateOf } from '../../lib/calendar.ts'
import { Evidence } from '../claims/entities.ts'
import type { ReadingJobEntity } from './entities.ts'
import { CONFIDENT, jobCandidates, jobProgress, listJobs } from './service.ts'

const JOB_LABELS: Record<string, string> = { queued: 'en attente', running: 'lecture en cours', done: 'terminée', failed: 'échec', cancelled: 'arrêtée' }
const PAGE_LABELS: Record<string, string> = { pending: 'en attente', running: 'en cours', done: 'lue', failed: 'échec' }
const HOW_LABELS: Record<string, string> = { code: 'QR code / code-barres', exact: 'lu tel quel', corrected: 'corrigé', unmatched: 'à vérifier' }
const DECISION_LABELS: Record<string, string> = { pending: 'à confirmer', accepted: 'ajouté', corrected: 'corrigé et ajouté', discarded: 'écarté' }

const percent = (confidence: number) => `${Math.round(confidence * 100)} %`

export async function jobsView(em: EntityManager, claimId: string, base: string) {
  const jobs = await listJobs(em, claimId)
  const names = new Map((await em.find(Evidence, { id: { $in: jobs.map((j) => j.evidenceId) } })).map((e) => [e.id, e.originalName]))
  return jobs.map((j) => ({
    id: j.id,
    href: `${base}/lecture/${j.id}`,
    fileName: names.get(j.evidenceId) ?? 'fichier',
    statusLabel: JOB_LABELS[j.status],
    pages: j.pagesTotal === null ? '—' : `${j.pagesDone} / ${j.pagesTotal}`,
    date: formatFrenchDate(parisDateOf(j.createdAt), 'short'),
    error: j.error,
  }))
}

export async function jobView(em: EntityManager, job: ReadingJobEntity, base: string) {
  const [progress, candidates, evidence] = await Promise.all([jobProgress(em, job), jobCandidates(em, job.id), em.findOne(Evidence, { id: job.evidenceId })])
  const href = `${base}/lecture/${job.id}`
  return {
    job: { ...job, statusLabel: JOB_LABELS[job.status] },
    href,
    fileName: evidence?.originalName ?? 'fichier',
    running: job.status === 'queued' || job.status === 'running',
    ledgerLoaded: job.ledgerVersionId !== null,
    pagesTotal: job.pagesTotal,
    pagesDone: job.pagesDone,
    pages: progress.pages.map((p) => ({ ...p, statusLabel: PAGE_LABELS[p.status], failed: p.status === 'failed' })),
    pending: progress.pending,
    confidentPending: progress.confidentPending,
    confidentThreshold: percent(CONFIDENT),
    candidates: candidates.map((c) => ({
      id: c.id,
      page: c.page,
      identifier: c.identifier,
      decidedIdentifier: c.decidedIdentifier,
      crop: `${href}/extraits/${c.id}`,
      how: c.how,
      howLabel: HOW_LABELS[c.how],
      confidence: percent(c.confidence),
      confident: c.confidence >= CONFIDENT && c.how !== 'unmatched',
      note: c.note,
      alternatives: c.alternatives,
      pending: c.decision === 'pending',
      decisionLabel: DECISION_LABELS[c.decision],
      field: `identifier-${c.id}`,
    })),
  }
}

/** For the page's polling script: small, no personal data. */
export async function progressJson(em: EntityManager, job: ReadingJobEntity) {
  const progress = await jobProgress(em, job)
  return {
    status: job.status,
    statusLabel: JOB_LABELS[job.status],
    pagesTotal: job.pagesTotal,
    pagesDone: job.pagesDone,
    error: job.error,
    candidates: progress.candidates,
    pending: progress.pending,
    pages: progress.pages.map((p) => ({ page: p.page, status: p.status, statusLabel: PAGE_LABELS[p.status], error: p.error, candidates: p.candidates })),
  }
}
