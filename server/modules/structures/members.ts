// A structure's staff: members approve requests to join and invite colleagues by mail.
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { hashToken, newToken } from '../../lib/tokens.ts'
import { recordAudit } from '../audit/service.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { Account } from '../accounts/entities.ts'
import { createAccount, EmailSchema } from '../accounts/lifecycle.ts'
import { findAccountByEmail, type AuditContext } from '../accounts/service.ts'
import { Invitation, Membership, Structure, type InvitationEntity } from './entities.ts'
import { isUuid } from '../../lib/uuid.ts'

const INVITATION_LIFETIME_MS = 7 * 24 * 3600_000

export type MemberRow = { membershipId: string; accountId: string; name: string; email: string; status: string; since: Date }

export async function listMembers(em: EntityManager, structureId: string): Promise<{ members: MemberRow[]; pending: MemberRow[]; invitations: InvitationEntity[] }> {
  const memberships = await em.find(Membership, { structureId, status: { $in: ['active', 'pending'] } }, { orderBy: { createdAt: 'asc' } })
  const accounts = new Map((await em.find(Account, { id: { $in: memberships.map((m) => m.accountId) } })).map((a) => [a.id, a]))
  const rows = memberships.map((m) => {
    const a = accounts.get(m.accountId)
    return { membershipId: m.id, accountId: m.accountId, name: a?.displayName ?? '', email: a?.email ?? '', status: m.status, since: m.createdAt }
  })
  const invitations = await em.find(Invitation, { structureId, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } }, { orderBy: { createdAt: 'desc' } })
  return { members: rows.filter((r) => r.status === 'active'), pending: rows.filter((r) => r.status === 'pending'), invitations }
}

export async function decideJoinRequest(
  em: EntityManager,
  mail: MailDeps,
  structureId: string,
  membershipId: string,
  approve: boolean,
  audit: AuditContext,
): Promise<void> {
  const membership = isUuid(membershipId) ? await em.findOne(Membership, { id: membershipId, structureId, status: 'pending' }) : null
  if (!membership) throw new DomainError('not_found', 'join_request_not_found', 'Cette demande n’existe pas ou a déjà été traitée.')
  membership.status = approve ? 'active' : 'rejected'
  membership.decidedBy = audit.actor.id
  membership.decidedAt = new Date()
  await em.flush()
  await recordAudit(em, { ...audit, action: approve ? 'membership.approved' : 'membership.rejected', entityType: 'membership', entityId: membership.id, before: { status: 'pending' }, after: { status: membership.status, structureId } })
  const [account, structure] = await Promise.all([em.findOneOrFail(Account, { id: membership.accountId }), em.findOneOrFail(Structure, { id: structureId })])
  await queueMail(em, mail, { to: account.email, template: 'join-decision', data: { approved: approve, structureName: structure.name, link: `${mail.publicUrl}/connexion` } })
}

export async function inviteMember(em: EntityManager, mail: MailDeps, structureId: string, rawEmail: string, audit: AuditContext): Promise<void> {
  const parsed = EmailSchema.safeParse(rawEmail)
  if (!parsed.success) throw new DomainError('invalid', 'email_invalid', 'Adresse électronique invalide.', [{ path: 'email', message: 'adresse électronique invalide' }])
  const email = parsed.data.toLowerCase()
  const structure = await em.findOneOrFail(Structure, { id: structureId })
  const token = newToken()
  const invitation = em.create(Invitation, { structureId, email, tokenHash: hashToken(token), invitedBy: audit.actor.id as string, expiresAt: new Date(Date.now() + INVITATION_LIFETIME_MS) })
  await em.flush()
  await recordAudit(em, { ...audit, action: 'invitation.created', entityType: 'invitation', entityId: invitation.id, after: { structureId } })
  await queueMail(em, mail, { to: email, template: 'invitation', data: { structureName: structure.name, link: `${mail.publicUrl}/invitation/${token}` } })
}

const INVITATION_INVALID = new DomainError('gone', 'invitation_invalid', 'Cette invitation n’est plus valable : elle a déjà servi, a été retirée ou a expiré.')

export async function findInvitation(em: EntityManager, token: string) {
  const invitation = await em.findOne(Invitation, { tokenHash: hashToken(token) })
  if (!invitation || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt <= new Date()) throw INVITATION_INVALID
  const structure = await em.findOneOrFail(Structure, { id: invitation.structureId })
  return { invitation, structure, hasAccount: (await findAccountByEmail(em, invitation.email)) !== null }
}

/**
 * Joins the invited address to the structure. A new person chooses a name and password; someone
 * who already has an account must be logged in as that account (the mail proves the address).
 */
export async function acceptInvitation(
  em: EntityManager,
  token: string,
  input: { displayName?: string; password?: string; currentAccountId?: string },
  requestId: string | null,
): Promise<string> {
  const { invitation } = await findInvitation(em, token)
  let account = await findAccountByEmail(em, invitation.email)
  if (account && account.id !== input.currentAccountId) {
    throw new DomainError('forbidden', 'invitation_login_required', 'Connectez-vous avec le compte de l’adresse invitée pour accepter.')
  }
  if (account && account.role !== 'structure') {
    throw new DomainError('forbidden', 'invitation_wrong_role', 'Un compte professionnel ne peut pas rejoindre une structure.')
  }
  const audit = { actor: { id: account?.id ?? null, role: 'structure' }, requestId }
  account ??= await createAccount(em, { email: invitation.email, displayName: input.displayName ?? '', role: 'structure', password: input.password ?? '', emailVerified: true }, audit)
  const existing = await em.findOne(Membership, { structureId: invitation.structureId, accountId: account.id })
  if (existing) existing.status = 'active'
  const membership = existing ?? em.create(Membership, { structureId: invitation.structureId, accountId: account.id, status: 'active', decidedBy: invitation.invitedBy, decidedAt: new Date() })
  invitation.acceptedAt = new Date()
  await em.flush()
  await recordAudit(em, { actor: { id: account.id, role: 'structure' }, requestId, action: 'invitation.accepted', entityType: 'membership', entityId: membership.id, after: { structureId: invitation.structureId, status: 'active' } })
  return account.id
}
