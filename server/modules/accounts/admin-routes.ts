// Administrators create the professional accounts (liquidator, ministry, administrators).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { DomainError } from '../../errors.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import type { MailDeps } from '../notifications/service.ts'
import { ROLES } from './entities.ts'
import { createProfessionalAccount, listAccounts } from './lifecycle.ts'
import { auditContext } from '../../plugins/app/auth.ts'

const MANAGE = { access: { action: 'admin.accounts.manage' } } as const
const PROFESSIONAL_ROLES = ROLES.filter((r) => r !== 'structure')

const routes: FastifyPluginAsync<{ mail: MailDeps }> = async (app, { mail }) => {
  const pageData = async (request: FastifyRequest) => ({
    title: 'Comptes',
    accounts: (await listAccounts(request.em)).map((a) => ({ ...a, closed: a.status === 'closed', secondFactor: a.totpEnabledAt !== null })),
    roles: PROFESSIONAL_ROLES,
  })

  app.get('/admin/comptes', { config: MANAGE, schema: { hide: true } }, async (request, reply) =>
    reply.page('admin/accounts', { ...(await pageData(request)), form: emptyForm() }),
  )

  app.post('/admin/comptes', { config: MANAGE, schema: { hide: true } }, async (request, reply) => {
    const values = { email: field(request.body, 'email'), displayName: field(request.body, 'displayName'), role: field(request.body, 'role') }
    try {
      const role = PROFESSIONAL_ROLES.find((r) => r === values.role)
      if (!role) throw new DomainError('invalid', 'role_invalid', 'Choisissez un rôle.', [{ path: 'role', message: 'rôle requis' }])
      if (values.displayName.trim().length < 2) throw new DomainError('invalid', 'name_required', 'Le nom est requis.', [{ path: 'displayName', message: 'nom requis' }])
      await request.em.transactional((em) =>
        createProfessionalAccount(em, mail, { email: values.email, displayName: values.displayName, role }, auditContext(request)),
      )
      return reply.flash(`Compte créé : un lien pour choisir le mot de passe a été envoyé à ${values.email}.`).redirect('/admin/comptes')
    } catch (error) {
      return rerender(reply, error, 'admin/accounts', values, await pageData(request))
    }
  })
}
export default routes
