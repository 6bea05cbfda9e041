// Background work of the desk: letters generated in bulk for a selection of claims (each claim in
// its own transaction, progress counted on the batch, a claim that cannot have a letter counted as
// failed with the others going on), and the daily closing of answer windows. Their code (pdf-lib
// and fonts, through the letters) is loaded by the first job, not by every worker that starts.
import type { MikroORM } from '@mikro-orm/postgresql'
import type { JobWithMetadata, PgBoss } from 'pg-boss'
import type { QueueDefinition } from '../../jobs/boss.ts'
import { todayInParis } from '../../lib/calendar.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import type { LettersJob } from './letter-batch.ts'

export const LETTERS_QUEUE = 'letters.generate'
export const WINDOWS_QUEUE = 'claims.answer-windows'

export function reviewQueues(): QueueDefinition[] {
  return [
    { name: LETTERS_QUEUE, retryLimit: 2, retryDelay: 10, expireInSeconds: 3600 },
    { name: WINDOWS_QUEUE, retryLimit: 3, retryDelay: 300, expireInSeconds: 600 },
  ]
}

export async function workReview(boss: PgBoss, deps: { orm: MikroORM; files: EvidenceStore; publicUrl: string; pollingIntervalSeconds: number }): Promise<void> {
  await boss.work(LETTERS_QUEUE, { includeMetadata: true, pollingIntervalSeconds: deps.pollingIntervalSeconds }, async (jobs: JobWithMetadata<LettersJob>[]) => {
    const { runLetterBatch } = await import('./letter-batch.ts')
    for (const { data } of jobs) await runLetterBatch(deps, data)
  })
  await boss.work(WINDOWS_QUEUE, { pollingIntervalSeconds: deps.pollingIntervalSeconds }, async () => {
    const { closeAnswerWindows } = await import('./answers.ts')
    await deps.orm.em.fork().transactional((em) => closeAnswerWindows(em, todayInParis(new Date())))
  })
  // Five past midnight, Paris time: a window ends at the end of its last day.
  await boss.schedule(WINDOWS_QUEUE, '5 0 * * *', null, { tz: 'Europe/Paris' })
}
