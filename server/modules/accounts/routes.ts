// Pages to log in and out, pass the second factor, recover a password, confirm an address.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { SESSION_COOKIE, setSessionCookie, auditContext } from '../../plugins/app/auth.ts'
import type { MailDeps } from '../notifications/service.ts'
import { mfaSatisfied } from './policy.ts'
import { markMfaVerified, openSession, revokeAllSessions, revokeSession } from './sessions.ts'
import {
  confirmTotpEnrolment,
  requestPasswordReset,
  setPasswordWithToken,
  signIn,
  startTotpEnrolment,
  verifyEmail,
  verifySecondFactor,
} from './service.ts'
import { peekToken } from './tokens.ts'
import { slowDownForm } from './throttle.ts'
import { recordAudit } from '../audit/service.ts'

export type AccountRoutesOptions = { mail: MailDeps; secureCookies: boolean; formSlowdownMs: number }

const PUBLIC = { access: { public: true } } as const
/** Per IP, on top of the per-account throttling of the login itself (ASVS 2.2.1). */
const LIMITED = (max: number) => ({ access: { public: true }, rateLimit: { max, timeWindow: '15 minutes' } }) as const
const SELF_PENDING_MFA = { access: { action: 'account.self', allowPendingMfa: true } } as const

/** Only local paths: never an open redirect. */
export function safeNext(next: string): string {
  return /^\/(?!\/)[^\s\\]*$/.test(next) ? next : '/espace'
}

const routes: FastifyPluginAsync<AccountRoutesOptions> = async (app, { mail, secureCookies, formSlowdownMs }) => {
  const setSession = (reply: FastifyReply, token: string) => setSessionCookie(reply, token, secureCookies)
  const audit = auditContext

  app.get('/connexion', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    if (request.actor.kind === 'account' && mfaSatisfied(request.actor)) return reply.redirect('/espace')
    const next = safeNext(String((request.query as Record<string, unknown>).suite ?? '/espace'))
    return reply.page('accounts/login', { title: 'Connexion', form: emptyForm({ next }) })
  })

  app.post('/connexion', { config: LIMITED(100), schema: { hide: true } }, async (request, reply) => {
    const email = field(request.body, 'email')
    const next = safeNext(field(request.body, 'next') || '/espace')
    try {
      const { token, secondFactor } = await request.em.transactional(async (em) => {
        const result = await signIn(em, { email, password: field(request.body, 'password'), ip: request.ip })
        // Rotation: whatever session this browser had ends; a new one starts.
        if (request.actor.kind === 'account') await revokeSession(em, request.actor.sessionId)
        const opened = await openSession(em, result.account, { ip: request.ip, userAgent: request.headers['user-agent'], mfaVerified: false })
        await recordAudit(em, { actor: { id: result.account.id, role: result.account.role }, requestId: String(request.id), action: 'session.opened', entityType: 'account', entityId: result.account.id, after: { sessionId: opened.session.id, secondFactor: result.secondFactor } })
        return { token: opened.token, secondFactor: result.secondFactor }
      })
      setSession(reply, token)
      if (secondFactor === 'verify') return reply.redirect(`/connexion/second-facteur?suite=${encodeURIComponent(next)}`)
      if (secondFactor === 'enrol') return reply.redirect('/compte/second-facteur')
      return reply.redirect(next)
    } catch (error) {
      return rerender(reply, error, 'accounts/login', { email, next }, { title: 'Connexion' })
    }
  })

  app.get('/connexion/second-facteur', { config: SELF_PENDING_MFA, schema: { hide: true } }, async (request, reply) => {
    const next = safeNext(String((request.query as Record<string, unknown>).suite ?? '/espace'))
    return reply.page('accounts/second-factor', { title: 'Code de sécurité', form: emptyForm({ next }) })
  })

  app.post('/connexion/second-facteur', { config: SELF_PENDING_MFA, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    const next = safeNext(field(request.body, 'next') || '/espace')
    if (actor.kind !== 'account') return reply.redirect('/connexion')
    try {
      await request.em.transactional(async (em) => {
        await verifySecondFactor(em, actor.accountId, field(request.body, 'code'), request.ip)
        await markMfaVerified(em, actor.sessionId)
      })
      return reply.redirect(next)
    } catch (error) {
      return rerender(reply, error, 'accounts/second-factor', { next }, { title: 'Code de sécurité' })
    }
  })

  const showEnrolment = async (request: FastifyRequest, reply: FastifyReply, error?: unknown) => {
    const actor = request.actor
    if (actor.kind !== 'account') return reply.redirect('/connexion')
    const { secret, uri } = await request.em.transactional((em) => startTotpEnrolment(em, actor.accountId))
    const qr = await QRCode.toDataURL(uri, { margin: 1, width: 220 })
    const data = { title: 'Activer le second facteur', secret: secret.replace(/(.{4})/g, '$1 ').trim(), qr }
    return error ? rerender(reply, error, 'accounts/totp-enrol', {}, data) : reply.page('accounts/totp-enrol', { ...data, form: emptyForm() })
  }

  app.get('/compte/second-facteur', { config: SELF_PENDING_MFA, schema: { hide: true } }, async (request, reply) => showEnrolment(request, reply))

  app.post('/compte/second-facteur', { config: SELF_PENDING_MFA, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    if (actor.kind !== 'account') return reply.redirect('/connexion')
    try {
      await request.em.transactional(async (em) => {
        await confirmTotpEnrolment(em, actor.accountId, field(request.body, 'code'), audit(request))
        await markMfaVerified(em, actor.sessionId)
      })
      return reply.flash('Second facteur activé : il vous sera demandé à chaque connexion.').redirect('/espace')
    } catch (error) {
      return showEnrolment(request, reply, error)
    }
  })

  app.post('/deconnexion', { config: SELF_PENDING_MFA, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    if (actor.kind === 'account') {
      await request.em.transactional(async (em) => {
        await revokeSession(em, actor.sessionId)
        await recordAudit(em, { ...audit(request), action: 'session.closed', entityType: 'account', entityId: actor.accountId, after: { sessionId: actor.sessionId } })
      })
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.flash('Vous êtes déconnecté.').redirect('/')
  })

  app.post('/deconnexion-partout', { config: { access: { action: 'account.self' } }, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    if (actor.kind === 'account') {
      await request.em.transactional(async (em) => {
        const ended = await revokeAllSessions(em, actor.accountId)
        await recordAudit(em, { ...audit(request), action: 'session.closed_everywhere', entityType: 'account', entityId: actor.accountId, after: { sessionsEnded: ended } })
      })
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    return reply.flash('Toutes vos sessions sont fermées, sur tous vos appareils.').redirect('/connexion')
  })

  app.get('/mot-de-passe-oublie', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) =>
    reply.page('accounts/forgot', { title: 'Mot de passe oublié', form: emptyForm() }),
  )

  app.post('/mot-de-passe-oublie', { config: LIMITED(10), schema: { hide: true } }, async (request, reply) => {
    await slowDownForm(request.em, 'password_reset', request.ip, { baseMs: formSlowdownMs })
    await request.em.transactional((em) => requestPasswordReset(em, mail, field(request.body, 'email')))
    return reply.page('accounts/forgot', { title: 'Mot de passe oublié', sent: true, form: emptyForm() })
  })

  app.get('/mot-de-passe/:token', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string }
    try {
      await peekToken(request.em, token, ['reset_password', 'set_password'])
      return reply.page('accounts/set-password', { title: 'Choisir un mot de passe', token, form: emptyForm() })
    } catch (error) {
      return rerender(reply, error, 'accounts/set-password', {}, { title: 'Choisir un mot de passe', expired: true })
    }
  })

  app.post('/mot-de-passe/:token', { config: LIMITED(20), schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string }
    try {
      await request.em.transactional((em) => setPasswordWithToken(em, token, field(request.body, 'password'), String(request.id)))
      return reply.flash('Mot de passe enregistré : vous pouvez vous connecter.').redirect('/connexion')
    } catch (error) {
      return rerender(reply, error, 'accounts/set-password', {}, { title: 'Choisir un mot de passe', token })
    }
  })

  app.get('/verification/:token', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string }
    try {
      await request.em.transactional((em) => verifyEmail(em, token, String(request.id)))
      return reply.flash('Adresse confirmée : vous pouvez vous connecter.').redirect('/connexion')
    } catch (error) {
      return rerender(reply, error, 'accounts/verified', {}, { title: 'Confirmation de l’adresse' })
    }
  })
}
export default routes
