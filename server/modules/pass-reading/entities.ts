import { defineEntity, p, type InferEntity } from '@mikro-orm/core'

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const
export const PAGE_STATUSES = ['pending', 'running', 'done', 'failed'] as const
export const READ_HOWS = ['code', 'exact', 'corrected', 'unmatched'] as const
export const DECISIONS = ['pending', 'accepted', 'corrected', 'discarded'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]
export type PageStatus = (typeof PAGE_STATUSES)[number]
export type Decision = (typeof DECISIONS)[number]

/** Reading one uploaded file (a piece of evidence of the claim) for pass identifiers. */
export const ReadingJob = defineEntity({
  name: 'ReadingJob',
  tableName: 'reading_job',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    claimId: p.uuid(),
    evidenceId: p.uuid(),
    status: p.enum(JOB_STATUSES).default('queued'),
    pagesTotal: p.integer().nullable(),
    pagesDone: p.integer().default(0),
    error: p.text().nullable(),
    ledgerVersionId: p.uuid().nullable(),
    createdBy: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    finishedAt: p.datetime().nullable(),
  },
})
export type ReadingJobEntity = InferEntity<typeof ReadingJob>

export const ReadingPage = defineEntity({
  name: 'ReadingPage',
  tableName: 'reading_page',
  properties: {
    jobId: p.uuid().primary(),
    page: p.integer().primary(),
    status: p.enum(PAGE_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    error: p.text().nullable(),
    skew: p.float().nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
})
export type ReadingPageEntity = InferEntity<typeof ReadingPage>

/** An identifier read on a page: a proposal until a person accepts, corrects or discards it. */
export const ReadingCandidate = defineEntity({
  name: 'ReadingCandidate',
  tableName: 'reading_candidate',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    jobId: p.uuid(),
    page: p.integer(),
    ordinal: p.integer(),
    bbox: p.json<{ x: number; y: number; width: number; height: number }>(),
    /** A small JPEG of the pass around the identifier, shown beside the proposal. */
    crop: p.blob().lazy(),
    rawText: p.text(),
    identifier: p.string(),
    how: p.enum(READ_HOWS),
    confidence: p.float(),
    alternatives: p.json<string[]>(),
    note: p.text(),
    inLedger: p.boolean().nullable(),
    decision: p.enum(DECISIONS).default('pending'),
    decidedIdentifier: p.string().nullable(),
    claimLineId: p.uuid().nullable(),
    decidedBy: p.uuid().nullable(),
    decidedAt: p.datetime().nullable(),
  },
})
export type ReadingCandidateEntity = InferEntity<typeof ReadingCandidate>
