// The queue of reading jobs: one job per uploaded file. A crashed worker's job expires and is
// retried; runReadingJob resumes it where its pages stopped. One job at a time per process: a
// job already keeps every OCR worker of the pool busy. The reading code (sharp, tesseract.js: some
// 50 MB of a process's memory) is loaded by the first job, not by every worker that starts.
import type { MikroORM } from '@mikro-orm/postgresql'
import type { Job, PgBoss } from 'pg-boss'
import type { QueueDefinition } from '../../jobs/boss.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { READING_QUEUE } from './service.ts'
import type * as ReadingCode from './work.ts'

let reading: Promise<typeof ReadingCode> | null = null
const readingCode = () => (reading ??= import('./work.ts'))

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
  return boss.work(READING_QUEUE, { pollingIntervalSeconds: deps.pollingIntervalSeconds, batchSize: 1 }, async (jobs: Job<{ jobId: string }>[]) => {
    const { runReadingJob } = await readingCode()
    for (const job of jobs) await runReadingJob(deps, job.data.jobId)
  })
}

/** Stops the OCR workers, if a job started them. */
export async function stopReading(): Promise<void> {
  if (!reading) return
  const { stopOcrPool } = await import('./ocr-pool.ts')
  await stopOcrPool()
}
