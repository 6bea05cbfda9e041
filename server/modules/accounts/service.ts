// Accounts: who can log in, how (password, then a second factor for professionals), and how
// access is recovered. Answers never reveal whether an address has an account.
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { checkPassword } from '../../lib/password-policy.ts'
import { newTotpSecret, totpUri, verifyTotp } from '../../lib/totp.ts'
import { recordAudit } from '../audit/service.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { Account, type AccountEntity } from './entities.ts'
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from './passwords.ts'
import { ROLES_REQUIRING_MFA } from './policy.ts'
import { revokeAllSessions } from './sessions.ts'
import { recordLoginAttempt, throttleLogin } from './throttle.ts'
import { issueToken, takeToken } from './tokens.ts'

export type AuditContext = { actor: { id: string | null; role: string }; requestId: string | null }

export const normaliseEmail = (email: string) => email.trim().toLowerCase()

/** What the audit trail keeps of an account: no name, no address (RGPD; see closeAccount). */
export function accountSnapshot(a: AccountEntity): Record<string, unknown> {
  return {
    id: a.id,
    role: a.role,
    status: a.status,
    emailVerified: a.emailVerifiedAt !== null,
    secondFactor: a.totpEnabledAt !== null,
  }
}

export async function findAccountByEmail(em: EntityManager, email: string): Promise<AccountEntity | null> {
  return em.findOne(Account, { email: normaliseEmail(email) })
}

export function assertPassword(password: string, context: string[]): void {
  const verdict = checkPassword(password, context)
  if (!verdict.ok) {
    throw new DomainError('invalid', `password_${verdict.error.code}`, verdict.error.message, [
      { path: 'password', message: verdict.error.message },
    ])
  }
}

const BAD_CREDENTIALS = new DomainError('unauthenticated', 'bad_credentials', 'Adresse électronique ou mot de passe incorrect.')

export type SignInResult = { account: AccountEntity; secondFactor: 'none' | 'verify' | 'enrol' }

/** Password step. Throttled per account and per IP; the same answer for unknown and wrong. */
export async function signIn(em: EntityManager, input: { email: string; password: string; ip: string }): Promise<SignInResult> {
  await throttleLogin(em, input.email, input.ip)
  const account = await findAccountByEmail(em, input.email)
  const valid = account?.passwordHash && account.status === 'active'
    ? await verifyPassword(account.passwordHash, input.password)
    : (await burnPasswordCheck(input.password), false)
  await recordLoginAttempt(em, input.email, input.ip, Boolean(valid))
  if (!valid || !account) throw BAD_CREDENTIALS
  if (!account.emailVerifiedAt) {
    throw new DomainError(
      'forbidden',
      'email_not_verified',
      'Votre adresse n’est pas encore confirmée : ouvrez le lien reçu par courriel, ou demandez-en un nouveau.',
    )
  }
  if (account.passwordHash && needsRehash(account.passwordHash)) account.passwordHash = await hashPassword(input.password)
  await em.flush()
  const secondFactor = !ROLES_REQUIRING_MFA.has(account.role) && !account.totpEnabledAt
    ? 'none'
    : account.totpEnabledAt ? 'verify' : 'enrol'
  return { account, secondFactor }
}

const BAD_CODE = new DomainError('invalid', 'totp_invalid', 'Code incorrect ou expiré : saisissez le code à 6 chiffres affiché maintenant.', [
  { path: 'code', message: 'code incorrect ou expiré' },
])

/** Second step: a TOTP code, never the same one twice. */
export async function verifySecondFactor(em: EntityManager, accountId: string, code: string, ip: string): Promise<void> {
  const account = await em.findOneOrFail(Account, { id: accountId })
  await throttleLogin(em, account.email, ip)
  const step = account.totpSecret && account.totpEnabledAt ? verifyTotp(account.totpSecret, code) : null
  const fresh = step !== null && (account.totpLastStep == null || step > account.totpLastStep)
  await recordLoginAttempt(em, account.email, ip, fresh)
  if (!fresh) throw BAD_CODE
  account.totpLastStep = step
  await em.flush()
}

/** Starts (or restarts, before confirmation) the enrolment of an authenticator app. */
export async function startTotpEnrolment(em: EntityManager, accountId: string): Promise<{ secret: string; uri: string }> {
  const account = await em.findOneOrFail(Account, { id: accountId })
  if (account.totpEnabledAt) throw new DomainError('conflict', 'totp_already_enabled', 'Le second facteur est déjà activé.')
  account.totpSecret ??= newTotpSecret()
  await em.flush()
  return { secret: account.totpSecret, uri: totpUri(account.totpSecret, account.email) }
}

export async function confirmTotpEnrolment(em: EntityManager, accountId: string, code: string, audit: AuditContext): Promise<void> {
  const account = await em.findOneOrFail(Account, { id: accountId })
  const step = account.totpSecret && !account.totpEnabledAt ? verifyTotp(account.totpSecret, code) : null
  if (step === null) throw BAD_CODE
  const before = accountSnapshot(account)
  account.totpEnabledAt = new Date()
  account.totpLastStep = step
  await em.flush()
  await recordAudit(em, { ...audit, action: 'account.second_factor_enabled', entityType: 'account', entityId: account.id, before, after: accountSnapshot(account) })
}

export async function sendEmailVerification(em: EntityManager, mail: MailDeps, account: AccountEntity): Promise<void> {
  const token = await issueToken(em, account.id, 'verify_email')
  await queueMail(em, mail, {
    to: account.email,
    template: 'verify-email',
    data: { link: `${mail.publicUrl}/verification/${token}`, name: account.displayName ?? '' },
  })
}

export async function verifyEmail(em: EntityManager, token: string, requestId: string | null): Promise<AccountEntity> {
  const account = await em.findOneOrFail(Account, { id: await takeToken(em, token, ['verify_email']) })
  if (!account.emailVerifiedAt) {
    const before = accountSnapshot(account)
    account.emailVerifiedAt = new Date()
    await em.flush()
    await recordAudit(em, { actor: { id: account.id, role: account.role }, requestId, action: 'account.email_verified', entityType: 'account', entityId: account.id, before, after: accountSnapshot(account) })
  }
  return account
}

/** Always the same outcome for the caller; a mail goes out only if the account exists. */
export async function requestPasswordReset(em: EntityManager, mail: MailDeps, email: string): Promise<void> {
  const account = await findAccountByEmail(em, email)
  if (!account || account.status !== 'active') return
  const token = await issueToken(em, account.id, 'reset_password')
  await queueMail(em, mail, { to: account.email, template: 'password-reset', data: { link: `${mail.publicUrl}/mot-de-passe/${token}` } })
}

/** Sets a password from a reset or first-access link; every open session of the account ends. */
export async function setPasswordWithToken(em: EntityManager, token: string, password: string, requestId: string | null): Promise<AccountEntity> {
  const account = await em.findOneOrFail(Account, { id: await takeToken(em, token, ['reset_password', 'set_password']) })
  assertPassword(password, [account.email, account.displayName ?? ''])
  const before = accountSnapshot(account)
  account.passwordHash = await hashPassword(password)
  // The link came to this address: it is verified.
  account.emailVerifiedAt ??= new Date()
  await em.flush()
  await revokeAllSessions(em, account.id)
  await recordAudit(em, { actor: { id: account.id, role: account.role }, requestId, action: 'account.password_set', entityType: 'account', entityId: account.id, before, after: accountSnapshot(account) })
  return account
}
