// Background work lives in the same PostgreSQL as the data (pg-boss). Jobs are enqueued inside the
// use case's transaction, so a rolled-back use case leaves no job behind.
import type { EntityManager } from '@mikro-orm/postgresql'
import { PgBoss, fromKysely, type SendOptions, type Queue } from 'pg-boss'

export type Boss = PgBoss

/** A queue with its retry policy, owned by the module whose work it carries. */
export type QueueDefinition = Omit<Queue, 'name'> & { name: string }

export async function startBoss(
  databaseUrl: string,
  queues: QueueDefinition[],
  options: { supervise?: boolean; onError?: (error: Error) => void } = {},
): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: 'pgboss',
    application_name: 'creances-jobs',
    max: 4,
    supervise: options.supervise ?? true,
    schedule: options.supervise ?? true,
  })
  boss.on('error', (error: Error) => options.onError?.(error))
  await boss.start()
  for (const { name, ...queueOptions } of queues) {
    if (await boss.getQueue(name)) await boss.updateQueue(name, queueOptions)
    else await boss.createQueue(name, queueOptions)
  }
  return boss
}

/**
 * Enqueues a job on the entity manager's current transaction. Call it inside `em.transactional`:
 * the job becomes visible to workers only when the use case commits.
 */
export async function enqueue(
  boss: PgBoss,
  em: EntityManager,
  queue: string,
  data: object,
  options: Omit<SendOptions, 'db'> = {},
): Promise<string> {
  const id = await boss.send(queue, data, { ...options, db: fromKysely(em.getKysely()) })
  if (id === null) throw new Error(`job not enqueued on ${queue} (singleton already queued?)`)
  return id
}
