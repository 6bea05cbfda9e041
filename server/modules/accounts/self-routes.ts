// One's own account (RGPD: download, close), the landing page after login, the privacy notice.
import type { FastifyPluginAsync } from 'fastify'
import { DomainError } from '../../errors.ts'
import { SESSION_COOKIE } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { Account } from './entities.ts'
import { closeAccount, exportAccountData } from './lifecycle.ts'
import { verifyPassword } from './passwords.ts'
import { auditContext } from '../../plugins/app/auth.ts'

const SELF = { access: { action: 'account.self' } } as const

const routes: FastifyPluginAsync = async (app) => {
  app.get('/espace', { config: SELF, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    if (actor.kind !== 'account') return reply.redirect('/connexion')
    if (actor.role === 'structure') {
      return actor.structureIds[0]
        ? reply.redirect(`/structures/${actor.structureIds[0]}`)
        : reply.page('accounts/waiting', { title: 'Demande en attente' })
    }
    if (actor.role === 'admin') return reply.redirect('/admin/comptes')
    if (actor.role === 'liquidator') return reply.redirect('/historique')
    return reply.redirect('/compte')
  })

  app.get('/compte', { config: SELF, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    if (actor.kind !== 'account') return reply.redirect('/connexion')
    const account = await request.em.findOneOrFail(Account, { id: actor.accountId })
    return reply.page('accounts/account', { title: 'Mon compte', account, form: emptyForm() })
  })

  app.get('/compte/donnees.json', { config: SELF, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    if (actor.kind !== 'account') return reply.redirect('/connexion')
    const data = await exportAccountData(request.em, actor.accountId)
    return reply
      .header('content-disposition', 'attachment; filename="mes-donnees.json"')
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(data, null, 2))
  })

  app.post('/compte/fermer', { config: SELF, schema: { hide: true } }, async (request, reply) => {
    const actor = request.actor
    if (actor.kind !== 'account') return reply.redirect('/connexion')
    const account = await request.em.findOneOrFail(Account, { id: actor.accountId })
    try {
      // Closing is irreversible: the password is asked again.
      if (!account.passwordHash || !(await verifyPassword(account.passwordHash, field(request.body, 'password')))) {
        throw new DomainError('invalid', 'password_mismatch', 'Mot de passe incorrect : le compte n’a pas été fermé.', [{ path: 'password', message: 'mot de passe incorrect' }])
      }
      await request.em.transactional((em) => closeAccount(em, actor.accountId, auditContext(request)))
      reply.clearCookie(SESSION_COOKIE, { path: '/' })
      return reply.flash('Votre compte est fermé et vos données personnelles effacées.').redirect('/')
    } catch (error) {
      return rerender(reply, error, 'accounts/account', {}, { title: 'Mon compte', account })
    }
  })

  app.get('/confidentialite', { config: { access: { public: true } }, schema: { hide: true } }, async (_request, reply) =>
    reply.page('privacy', { title: 'Données personnelles' }),
  )
}
export default routes
