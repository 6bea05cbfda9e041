import type { EntityManager, MikroORM } from '@mikro-orm/postgresql'
import fp from 'fastify-plugin'

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's own unit of work; never share the global EntityManager across requests. */
    em: EntityManager
  }
}

export default fp<{ orm: MikroORM }>(
  async (app, { orm }) => {
    app.decorateRequest('em', null as unknown as EntityManager)
    app.addHook('onRequest', async (request) => {
      request.em = orm.em.fork()
    })
  },
  { name: 'db' },
)
