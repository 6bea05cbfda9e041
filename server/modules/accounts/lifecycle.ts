// Accounts come and go: structure staff sign up or are invited (structures module), professionals
// are created by an administrator; anyone may download their data and close their account.
import type { EntityManager } from '@mikro-orm/postgresql'
import { z } from 'zod'
import { DomainError } from '../../errors.ts'
import { AuditEvent } from '../audit/entities.ts'
import { recordAudit } from '../audit/service.ts'
import { MailMessage } from '../notifications/entities.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { Membership } from '../structures/entities.ts'
import { Account, Session, type AccountEntity, type Role } from './entities.ts'
import { hashPassword } from './passwords.ts'
import { accountSnapshot, assertPassword, findAccountByEmail, normaliseEmail, type AuditContext } from './service.ts'
import { revokeAllSessions } from './sessions.ts'
import { issueToken } from './tokens.ts'

export const EmailSchema = z.email('adresse électronique invalide').max(254)

export async function createAccount(
  em: EntityManager,
  input: { email: string; displayName: string | null; role: Role; password?: string; emailVerified?: boolean },
  audit: AuditContext,
): Promise<AccountEntity> {
  const email = normaliseEmail(EmailSchema.parse(input.email))
  if (await findAccountByEmail(em, email)) {
    throw new DomainError('conflict', 'account_exists', 'Un compte existe déjà pour cette adresse.', [{ path: 'email', message: 'déjà utilisée' }])
  }
  if (input.password !== undefined) assertPassword(input.password, [email, input.displayName ?? ''])
  const account = em.create(Account, {
    email,
    displayName: input.displayName?.trim() || null,
    role: input.role,
    passwordHash: input.password === undefined ? null : await hashPassword(input.password),
    emailVerifiedAt: input.emailVerified ? new Date() : null,
  })
  await em.flush()
  await recordAudit(em, { ...audit, action: 'account.created', entityType: 'account', entityId: account.id, after: accountSnapshot(account) })
  return account
}

/** An administrator (page or CLI) creates a liquidator, ministry or admin account; a mail lets them set a password. */
export async function createProfessionalAccount(
  em: EntityManager,
  mail: MailDeps,
  input: { email: string; displayName: string; role: Exclude<Role, 'structure'> },
  audit: AuditContext,
): Promise<{ account: AccountEntity; link: string }> {
  const account = await createAccount(em, { ...input, emailVerified: false }, audit)
  const link = `${mail.publicUrl}/mot-de-passe/${await issueToken(em, account.id, 'set_password')}`
  await queueMail(em, mail, { to: account.email, template: 'professional-account', data: { link, role: input.role } })
  return { account, link }
}

export async function listAccounts(em: EntityManager): Promise<AccountEntity[]> {
  return em.find(Account, {}, { orderBy: { role: 'asc', email: 'asc' } })
}

/** RGPD art. 15/20: everything held about the account, as JSON. */
export async function exportAccountData(em: EntityManager, accountId: string): Promise<Record<string, unknown>> {
  const account = await em.findOneOrFail(Account, { id: accountId })
  const [memberships, sessions, events] = await Promise.all([
    em.find(Membership, { accountId }),
    em.find(Session, { accountId }, { orderBy: { createdAt: 'desc' } }),
    em.find(AuditEvent, { actorId: accountId }, { orderBy: { id: 'asc' } }),
  ])
  return {
    exportedAt: new Date().toISOString(),
    account: {
      id: account.id,
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      createdAt: account.createdAt,
      emailVerifiedAt: account.emailVerifiedAt,
      secondFactorEnabledAt: account.totpEnabledAt,
    },
    memberships: memberships.map((m) => ({ structureId: m.structureId, status: m.status, since: m.createdAt })),
    sessions: sessions.map((s) => ({ openedAt: s.createdAt, lastSeenAt: s.lastSeenAt, ip: s.ip, userAgent: s.userAgent, endedAt: s.revokedAt })),
    actionsRecorded: events.map((e) => ({ at: e.occurredAt, action: e.action, entityType: e.entityType, entityId: e.entityId })),
  }
}

/**
 * RGPD art. 17: the account is pseudonymised, not deleted. The audit trail never held its name or
 * address (only its id), so the chain stays intact and the history still reads "compte fermé".
 */
export async function closeAccount(em: EntityManager, accountId: string, audit: AuditContext): Promise<void> {
  const account = await em.findOneOrFail(Account, { id: accountId })
  if (account.status === 'closed') return
  const formerEmail = account.email
  const before = accountSnapshot(account)
  account.status = 'closed'
  account.closedAt = new Date()
  account.email = `compte-ferme-${account.id}@invalid`
  account.displayName = null
  account.passwordHash = null
  account.totpSecret = null
  account.totpEnabledAt = null
  await em.nativeUpdate(Membership, { accountId, status: { $in: ['active', 'pending'] } }, { status: 'ended', decidedAt: new Date() })
  await em.flush()
  await revokeAllSessions(em, accountId)
  // Mails already sent to this address are kept as a trace of what was sent, without the address or content.
  await em.nativeUpdate(MailMessage, { recipient: formerEmail, status: { $ne: 'queued' } }, { recipient: account.email, html: '', text: '' })
  await recordAudit(em, { ...audit, action: 'account.closed', entityType: 'account', entityId: account.id, before, after: accountSnapshot(account) })
}
