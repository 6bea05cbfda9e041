// Who is asking, and may they? Loads the session into request.actor, makes every route declare
// the action it performs (a route without a declaration stops the app at start-up), checks that
// declaration with the policy before the handler, and requires a CSRF token on every state change.
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { MikroORM } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { localSecret } from '../../local-secret.ts'
import { ANONYMOUS, auditActor, decide, type Action, type Actor, type Decision } from '../../modules/accounts/policy.ts'
import { resolveSession } from '../../modules/accounts/sessions.ts'

export type Access = { public: true } | { action: Action; allowPendingMfa?: boolean }

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    actor: Actor
  }
}

export const SESSION_COOKIE = 'creances_session'
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
/** Routes registered by third-party plugins (API docs, static files) are public by nature. */
const PLUGIN_ROUTES = /^\/(docs|static)(\/|$)/

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): FastifyReply {
  return reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure })
}

export const isPage = (request: FastifyRequest) =>
  !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html')

const DENIALS: Record<Exclude<Decision, 'allow'>, DomainError> = {
  unauthenticated: new DomainError('unauthenticated', 'authentication_required', 'Connectez-vous pour accéder à cette page.'),
  mfa_required: new DomainError('unauthenticated', 'mfa_required', 'Saisissez le code de votre application d’authentification pour continuer.'),
  forbidden: new DomainError('forbidden', 'forbidden', 'Votre rôle ne permet pas cette action.'),
  not_found: new DomainError('not_found', 'not_found', "L'adresse demandée n'existe pas ou n'est pas accessible."),
}

/** Turns a policy refusal into the answer: a redirection to log in for pages, an error otherwise. */
export async function deny(decision: Exclude<Decision, 'allow'>, request: FastifyRequest, reply: FastifyReply) {
  if (isPage(request) && decision === 'unauthenticated') {
    return reply.redirect(`/connexion?suite=${encodeURIComponent(request.url)}`)
  }
  if (isPage(request) && decision === 'mfa_required') return reply.redirect('/connexion/second-facteur')
  throw DENIALS[decision]
}

export default fp<{ orm: MikroORM; secret: string | undefined; varDir: string; secure: boolean }>(
  async (app, options) => {
    await app.register(cookie, { secret: localSecret(options.secret, options.varDir, 'cookie.secret') })
    await app.register(csrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: 'creances_csrf',
      cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secure, signed: true },
      getToken: (request) => {
        const body = request.body as Record<string, unknown> | undefined
        // Multipart forms (uploads) are read by the handler, after this check: they carry the token
        // in their action URL instead of the body.
        const query = request.query as Record<string, unknown> | undefined
        return (
          (typeof body?._csrf === 'string' ? body._csrf : undefined) ??
          (request.headers['csrf-token'] as string | undefined) ??
          (typeof query?._csrf === 'string' ? query._csrf : undefined)
        )
      },
    })

    app.decorateRequest('actor', null as never)
    app.addHook('onRoute', (route) => {
      if (PLUGIN_ROUTES.test(route.url)) {
        route.config = { ...(route.config ?? {}), access: { public: true } }
        return
      }
      if (!route.config?.access) {
        throw new Error(`route ${route.method} ${route.url} declares no access rule (config.access)`)
      }
    })

    app.addHook('onRequest', async (request) => {
      request.actor = ANONYMOUS
      const raw = request.cookies[SESSION_COOKIE]
      if (raw) request.actor = (await resolveSession(request.em, raw)) ?? ANONYMOUS
    })

    app.addHook('preHandler', async (request, reply) => {
      const access = request.routeOptions.config.access
      if (!access) {
        // Fail closed: only the 404 handler and third-party plugin routes (docs, static files,
        // registered before this plugin could see them) go without a declaration.
        if (request.is404 || PLUGIN_ROUTES.test(request.routeOptions.url ?? '')) return
        throw new Error(`route ${request.method} ${request.routeOptions.url} declares no access rule`)
      }
      if ('public' in access) return
      const decision = decide(request.actor, access.action, undefined, { allowPendingMfa: access.allowPendingMfa })
      if (decision !== 'allow') return deny(decision, request, reply)
    })
    // After the access check, so that a refused request learns nothing from the CSRF answer.
    // A bad token is sent to the error handler (FST_CSRF_* codes, mapped to csrf_invalid).
    app.addHook('preHandler', (request, reply, done) => {
      if (UNSAFE.has(request.method) && !request.is404) app.csrfProtection(request, reply, done)
      else done()
    })
  },
  { name: 'auth', dependencies: ['db'] },
)

/** Who acts in this request, for the audit trail: the account and role, and the request id. */
export function auditContext(request: FastifyRequest): { actor: { id: string | null; role: string }; requestId: string } {
  return { actor: auditActor(request.actor), requestId: String(request.id) }
}
