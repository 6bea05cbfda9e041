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
import auth from './plugins/app/auth.ts'
import pages from './plugins/app/pages.ts'
import health from './routes/health.ts'
import home from './routes/home.ts'
import accountRoutes from './modules/accounts/routes.ts'
import selfRoutes from './modules/accounts/self-routes.ts'
import adminRoutes from './modules/accounts/admin-routes.ts'
import structureRoutes from './modules/structures/routes.ts'
import auditRoutes from './modules/audit/routes.ts'
import claimRoutes from './modules/claims/routes.ts'
import procedureRoutes from './modules/procedure/routes.ts'
import evidenceRoutes from './modules/claims/evidence-routes.ts'
import importRoutes from './modules/claims/import-routes.ts'
import submitRoutes from './modules/claims/submit-routes.ts'
import passReadingRoutes from './modules/pass-reading/routes.ts'
import ledgerRoutes from './modules/ledger/routes.ts'
import dashboardRoutes from './modules/reconciliation/routes.ts'
import reviewRoutes from './modules/review/routes.ts'
import courtRoutes from './modules/court/routes.ts'
import multipart from '@fastify/multipart'
import { multipartOptions } from './modules/evidence/upload.ts'
import type { MailDeps } from './modules/notifications/service.ts'

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
  await app.register(auth, { orm: runtime.orm, secret: config.cookieSecret, varDir: config.varDir, secure: config.secureCookies })
  await app.register(pages, { secure: config.secureCookies })

  const mail: MailDeps = { boss: runtime.boss, templates: runtime.templates, mailFrom: config.mailFrom, publicUrl: config.publicUrl }
  await app.register(health, { orm: runtime.orm, boss: runtime.boss })
  await app.register(home, { demo: config.demo })
  await app.register(accountRoutes, { mail, secureCookies: config.secureCookies, formSlowdownMs: config.formSlowdownMs })
  await app.register(selfRoutes)
  await app.register(adminRoutes, { mail })
  await app.register(structureRoutes, { mail, secureCookies: config.secureCookies, formSlowdownMs: config.formSlowdownMs })
  await app.register(auditRoutes)
  await app.register(claimRoutes)
  await app.register(procedureRoutes)
  await app.register(multipart, multipartOptions({ maxFileBytes: config.evidenceLimits.maxFileBytes }))
  await app.register(evidenceRoutes, { files: runtime.files, limits: config.evidenceLimits })
  await app.register(importRoutes, { files: runtime.files, limits: config.evidenceLimits })
  await app.register(submitRoutes, { files: runtime.files, mail })
  await app.register(ledgerRoutes, { files: runtime.files, boss: runtime.boss })
  await app.register(dashboardRoutes)
  await app.register(reviewRoutes, { files: runtime.files, mail, boss: runtime.boss })
  await app.register(courtRoutes, { files: runtime.files, boss: runtime.boss, varDir: config.varDir })
  await app.register(passReadingRoutes, { files: runtime.files, boss: runtime.boss, limits: config.evidenceLimits })
  return app
}
