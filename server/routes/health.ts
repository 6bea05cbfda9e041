import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { PgBoss } from 'pg-boss'
import { z } from 'zod'
import { MAIL_QUEUE } from '../modules/notifications/service.ts'

const Check = z.object({ status: z.enum(['ok', 'failing']), latencyMs: z.number(), error: z.string().optional() })
const Health = z.object({
  status: z.enum(['ok', 'failing']),
  checks: z.object({ database: Check, queue: Check }),
})

async function timed(fn: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const start = performance.now()
  try {
    await fn()
    return { status: 'ok', latencyMs: Math.round(performance.now() - start) }
  } catch (error) {
    return {
      status: 'failing',
      latencyMs: Math.round(performance.now() - start),
      error: error instanceof Error ? error.message : String(error),
    }
  }
}

// Liveness and readiness in one: the database answers and the job queue is installed and reachable.
const health: FastifyPluginAsyncZod<{ orm: MikroORM; boss: PgBoss }> = async (app, { orm, boss }) => {
  app.get(
    '/health',
    {
      config: { access: { public: true } },
      schema: {
        tags: ['système'],
        summary: 'État du service (base de données et file de tâches)',
        response: { 200: Health, 503: Health },
      },
    },
    async (_request, reply) => {
      const [database, queue] = await Promise.all([
        timed(() => orm.em.getConnection().execute('select 1')),
        timed(async () => {
          if (!(await boss.getQueue(MAIL_QUEUE))) throw new Error(`queue ${MAIL_QUEUE} missing`)
        }),
      ])
      const ok = database.status === 'ok' && queue.status === 'ok'
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'failing', checks: { database, queue } })
    },
  )
}
export default health
