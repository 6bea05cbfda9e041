// The Fastify application as a pure function of its configuration and runtime: no listening,
// no process handling (see main.ts). Plugins load in layers: external, then app, then routes.
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Runtime } from './runtime.ts'
import security from './plugins/external/security.ts'
import openapi from './plugins/external/openapi.ts'
import db from './plugins/app/db.ts'
import views from './plugins/app/views.ts'
import errors from './plugins/app/errors.ts'
import health from './routes/health.ts'
import home from './routes/home.ts'

z.config(z.locales.fr())

export type AppOptions = {
  /** pino options; false in tests that do not read logs. */
  logger?: boolean | object
}

export async function buildApp(runtime: Runtime, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = runtime
  const app = Fastify({
    logger: options.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.cookie', 'req.headers.authorization'],
    },
    // Honour a proxy's request id so one id follows a request through every log line.
    genReqId: (request) => {
      const incoming = request.headers['x-request-id']
      return typeof incoming === 'string' && /^[\w.-]{8,128}$/.test(incoming) ? incoming : randomUUID()
    },
    requestIdHeader: false,
    trustProxy: config.env === 'production',
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  await app.register(security)
  await app.register(openapi)
  await app.register(views, { demo: config.demo, production: config.env === 'production' })
  await app.register(db, { orm: runtime.orm })
  await app.register(errors)

  await app.register(health, { orm: runtime.orm, boss: runtime.boss })
  await app.register(home, { demo: config.demo })
  return app
}
