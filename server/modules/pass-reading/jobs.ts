// The queue of reading jobs: one job per uploaded file. A crashed worker's job expires and is
// retried; runReadingJob resumes it where its pages stopped. One job at a time per process: a
// job already keeps every OCR worker of the pool busy. The reading code (sharp, tesseract.js: some
// 50 MB of a process's memory) is loaded by the first job, not by every worker that starts.
import type { MikroORM } from '@mikro-orm/postgresql'
import type { JobWithMetadata, PgBoss } from 'pg-boss'
import type { QueueDefinition } from '../../jobs/boss.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { abandonReading, READING_QUEUE } from './service.ts'
import type * as ReadingCode from './work.ts'

let reading: Promise<typeof ReadingCode> | null = null
// A failed import is not kept: the next attempt loads it again.
const readingCode = () =>
  (reading ??= import('./work.ts').catch((error: unknown) => {
    reading = null
    throw error
  }))

export function readingQueue(): QueueDefinition {
  return {
    name: READING_QUEUE,
    retryLimit: 3,
    retryDelay: 10,
    retryBackoff: true,
    retryDelayMax: 600,
    // A 200-page PDF at a few seconds a page; past this the job is presumed crashed and retried.
    expireInSeconds: 3600,
  }
}

export async function workReading(boss: PgBoss, deps: { orm: MikroORM; files: EvidenceStore; pollingIntervalSeconds: number }): Promise<string> {
  return boss.work(READING_QUEUE, { includeMetadata: true, pollingIntervalSeconds: deps.pollingIntervalSeconds, batchSize: 1 }, handleReadingJobs(deps))
}

/**
 * Runs each job; an error goes back to the queue, which tries again later. After its last try the
 * job is marked failed for the person waiting (a crash ends in the job's expiry and its retries).
 */
export function handleReadingJobs(deps: { orm: MikroORM; files: EvidenceStore }) {
  return async (jobs: JobWithMetadata<{ jobId: string }>[]): Promise<void> => {
    for (const job of jobs) {
      try {
        const { runReadingJob } = await readingCode()
        await runReadingJob(deps, job.data.jobId)
      } catch (error) {
        // Best effort: the queue still records the job's own error if this cannot be written.
        if (job.retryCount >= job.retryLimit) await abandonReading(deps.orm.em.fork(), job.data.jobId, error).catch(() => undefined)
        throw error
      }
    }
  }
}

/** Stops the OCR workers, if a job started them. */
export async function stopReading(): Promise<void> {
  if (!reading) return
  const { stopOcrPool } = await import('./ocr-pool.ts')
  await stopOcrPool()
}
