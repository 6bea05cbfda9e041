import type { MikroORM } from '@mikro-orm/postgresql'
import type { JobWithMetadata, PgBoss } from 'pg-boss'
import type { QueueDefinition } from '../../jobs/boss.ts'
import { MAIL_QUEUE, sendQueuedMail } from './service.ts'
import type { MailTransport } from './transport.ts'

export function mailQueue(retry: { limit: number; delaySeconds: number }): QueueDefinition {
  return {
    name: MAIL_QUEUE,
    retryLimit: retry.limit,
    retryDelay: retry.delaySeconds,
    retryBackoff: true,
    retryDelayMax: 3600,
    expireInSeconds: 120,
  }
}

export async function workMail(
  boss: PgBoss,
  deps: { orm: MikroORM; transport: MailTransport; mailFrom: string; pollingIntervalSeconds: number },
): Promise<string> {
  return boss.work(
    MAIL_QUEUE,
    { includeMetadata: true, pollingIntervalSeconds: deps.pollingIntervalSeconds },
    async (jobs: JobWithMetadata<{ mailId: string }>[]) => {
      for (const job of jobs) {
        await sendQueuedMail(deps.orm.em.fork(), deps.transport, deps.mailFrom, job.data.mailId, {
          isLast: job.retryCount >= job.retryLimit,
        })
      }
    },
  )
}
