import helmet from '@fastify/helmet'
import underPressure from '@fastify/under-pressure'
import formbody from '@fastify/formbody'
import rateLimit from '@fastify/rate-limit'
import { DomainError } from '../../errors.ts'
import fp from 'fastify-plugin'

// HTTP hardening and load shedding. Pages use no inline script: the CSP stays strict.
export default fp(
  async (app) => {
    await app.register(helmet, {
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          objectSrc: ["'none'"],
          upgradeInsecureRequests: null,
        },
      },
      // Served over plain HTTP on a fresh machine; production sits behind TLS and sets HSTS there.
      strictTransportSecurity: false,
    })
    await app.register(underPressure, {
      maxEventLoopDelay: 2000,
      maxHeapUsedBytes: 4 * 1024 ** 3,
      retryAfter: 30,
      exposeStatusRoute: false,
    })
    await app.register(formbody, { bodyLimit: 1024 * 1024 })
    // Off by default; routes that attract abuse (login, sign-up, reset) set config.rateLimit.
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new DomainError('rate_limited', 'rate_limited', `Trop de demandes depuis votre adresse : réessayez dans ${Math.ceil(context.ttl / 1000)} secondes.`),
    })
  },
  { name: 'security' },
)
