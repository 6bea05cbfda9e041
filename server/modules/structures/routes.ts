// Pages of a structure: sign-up, profile with bank details, members, join requests, invitations.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { formatSiret, maskIban } from '../../lib/identifiers.ts'
import { findCommune, searchCommunes } from '../../lib/territory.ts'
import { setSessionCookie, auditContext } from '../../plugins/app/auth.ts'
import { structureFor } from './access.ts'
import { slowDownForm } from '../accounts/throttle.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import type { MailDeps } from '../notifications/service.ts'
import { decide } from '../accounts/policy.ts'
import { openSession } from '../accounts/sessions.ts'
import { Account } from '../accounts/entities.ts'
import { acceptInvitation, decideJoinRequest, findInvitation, inviteMember, listMembers } from './members.ts'
import { signUp, updateBankDetails, type SignUpInput } from './service.ts'

const PUBLIC = { access: { public: true } } as const
const SIGNUP_FIELDS = ['siret', 'name', 'communeCode', 'communeQuery', 'address', 'contactEmail', 'displayName', 'email'] as const

const routes: FastifyPluginAsync<{ mail: MailDeps; secureCookies: boolean; formSlowdownMs: number }> = async (app, { mail, secureCookies, formSlowdownMs }) => {
  const audit = auditContext

  app.get('/api/communes', {
    config: PUBLIC,
    schema: {
      tags: ['référentiels'],
      summary: 'Recherche de communes (nom ou code postal), pour l’autocomplétion',
      querystring: z.object({ q: z.string().max(100).default('') }),
      response: { 200: z.array(z.object({ code: z.string(), nom: z.string(), departement: z.string(), codesPostaux: z.array(z.string()) })) },
    },
  }, async (request) =>
    searchCommunes((request.query as { q: string }).q, 15).map((c) => ({ code: c.code, nom: c.nom, departement: c.departement.code, codesPostaux: c.codesPostaux })),
  )

  app.get('/inscription', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) =>
    reply.page('structures/signup', { title: 'Inscrire ma structure', form: emptyForm() }),
  )

  app.post('/inscription', { config: { ...PUBLIC, rateLimit: { max: 10, timeWindow: '15 minutes' } }, schema: { hide: true } }, async (request, reply) => {
    const values = Object.fromEntries(SIGNUP_FIELDS.map((k) => [k, field(request.body, k)])) as Record<(typeof SIGNUP_FIELDS)[number], string>
    // Without JavaScript the commune is typed: one match is taken, several are offered to choose from.
    let candidates: { code: string; label: string }[] = []
    if (!findCommune(values.communeCode) && values.communeQuery) {
      const found = searchCommunes(values.communeQuery, 20)
      if (found.length === 1 && found[0]) values.communeCode = found[0].code
      else candidates = found.map((c) => ({ code: c.code, label: `${c.nom} (${c.departement.code})` }))
    }
    await slowDownForm(request.em, 'signup', request.ip, { baseMs: formSlowdownMs })
    try {
      await request.em.transactional((em) => signUp(em, mail, { ...values, password: field(request.body, 'password') } as SignUpInput, audit(request)))
      return reply.page('structures/signup-done', { title: 'Vérifiez votre messagerie', email: values.email })
    } catch (error) {
      return rerender(reply, error, 'structures/signup', values, { title: 'Inscrire ma structure', candidates })
    }
  })

  const profile = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) => {
    const structure = await structureFor(request, reply, 'structure.read')
    if (!structure) return reply
    const commune = findCommune(structure.communeCode)
    return reply.page('structures/profile', {
      title: structure.name,
      structure: { ...structure, siretFormatted: formatSiret(structure.siret), ibanMasked: structure.iban ? maskIban(structure.iban) : null },
      territory: commune ? `${commune.nom}, ${commune.departement.nom} (${commune.departement.code}), ${commune.region.nom}` : structure.communeName,
      canEdit: decide(request.actor, 'structure.bank.update', { structureId: structure.id }) === 'allow',
      form: emptyForm(),
      ...extra,
    })
  }

  app.get('/structures/:structureId', { config: { access: { action: 'structure.read' } }, schema: { hide: true } }, (request, reply) => profile(request, reply))

  app.post('/structures/:structureId/banque', { config: { access: { action: 'structure.bank.update' } }, schema: { hide: true } }, async (request, reply) => {
    const structure = await structureFor(request, reply, 'structure.bank.update')
    if (!structure) return reply
    const values = { iban: field(request.body, 'iban'), bic: field(request.body, 'bic') }
    try {
      await request.em.transactional((em) => updateBankDetails(em, mail, structure.id, values, audit(request)))
      return reply.flash('Coordonnées bancaires enregistrées ; chaque membre en est informé par courriel.').redirect(`/structures/${structure.id}`)
    } catch (error) {
      return rerender(reply, error, 'structures/profile', values, {
        title: structure.name,
        structure: { ...structure, siretFormatted: formatSiret(structure.siret), ibanMasked: structure.iban ? maskIban(structure.iban) : null },
        canEdit: true,
      })
    }
  })

  const membersPage = async (request: FastifyRequest, reply: FastifyReply, error?: unknown, values: Record<string, unknown> = {}) => {
    const structure = await structureFor(request, reply, 'structure.members.manage')
    if (!structure) return reply
    const data = { title: `Membres — ${structure.name}`, structure, ...(await listMembers(request.em, structure.id)) }
    return error ? rerender(reply, error, 'structures/members', values, data) : reply.page('structures/members', { ...data, form: emptyForm() })
  }

  app.get('/structures/:structureId/membres', { config: { access: { action: 'structure.members.manage' } }, schema: { hide: true } }, (request, reply) => membersPage(request, reply))

  app.post('/structures/:structureId/invitations', { config: { access: { action: 'structure.members.manage' } }, schema: { hide: true } }, async (request, reply) => {
    const structure = await structureFor(request, reply, 'structure.members.manage')
    if (!structure) return reply
    const email = field(request.body, 'email')
    try {
      await request.em.transactional((em) => inviteMember(em, mail, structure.id, email, audit(request)))
      return reply.flash(`Invitation envoyée à ${email}.`).redirect(`/structures/${structure.id}/membres`)
    } catch (error) {
      return membersPage(request, reply, error, { email })
    }
  })

  app.post('/structures/:structureId/demandes/:membershipId', { config: { access: { action: 'structure.members.manage' } }, schema: { hide: true } }, async (request, reply) => {
    const structure = await structureFor(request, reply, 'structure.members.manage')
    if (!structure) return reply
    const { membershipId } = request.params as { membershipId: string }
    const approve = field(request.body, 'decision') === 'approve'
    try {
      await request.em.transactional((em) => decideJoinRequest(em, mail, structure.id, membershipId, approve, audit(request)))
      return reply.flash(approve ? 'Demande acceptée.' : 'Demande refusée.').redirect(`/structures/${structure.id}/membres`)
    } catch (error) {
      return membersPage(request, reply, error)
    }
  })

  app.get('/invitation/:token', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string }
    try {
      const { invitation, structure, hasAccount } = await findInvitation(request.em, token)
      return reply.page('structures/invitation', { title: 'Rejoindre une structure', token, invitation, structure, hasAccount, form: emptyForm() })
    } catch (error) {
      return rerender(reply, error, 'structures/invitation', {}, { title: 'Rejoindre une structure', expired: true })
    }
  })

  app.post('/invitation/:token', { config: PUBLIC, schema: { hide: true } }, async (request, reply) => {
    const { token } = request.params as { token: string }
    const values = { displayName: field(request.body, 'displayName') }
    try {
      const sessionToken = await request.em.transactional(async (em) => {
        const accountId = await acceptInvitation(em, token, {
          displayName: values.displayName,
          password: field(request.body, 'password'),
          currentAccountId: request.actor.kind === 'account' ? request.actor.accountId : undefined,
        }, String(request.id))
        if (request.actor.kind === 'account') return null
        const account = await em.findOneOrFail(Account, { id: accountId })
        return (await openSession(em, account, { ip: request.ip, userAgent: request.headers['user-agent'], mfaVerified: false })).token
      })
      if (sessionToken) setSessionCookie(reply, sessionToken, secureCookies)
      return reply.flash('Bienvenue : vous êtes membre de la structure.').redirect('/espace')
    } catch (error) {
      const found = await findInvitation(request.em, token).catch(() => null)
      return rerender(reply, error, 'structures/invitation', values, { title: 'Rejoindre une structure', token, ...(found ?? { expired: true }) })
    }
  })
}
export default routes
