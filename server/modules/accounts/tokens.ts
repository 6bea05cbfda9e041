// One-time links sent by mail (verify an address, reset or set a password): single use, expiring,
// stored hashed. Taking a token marks it used in the same transaction as what it allows.
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { hashToken, newToken } from '../../lib/tokens.ts'
import { AccountToken, type TokenPurpose } from './entities.ts'

export const TOKEN_LIFETIME_MS: Record<TokenPurpose, number> = {
  verify_email: 48 * 3600_000,
  reset_password: 3600_000,
  set_password: 72 * 3600_000,
}

export async function issueToken(em: EntityManager, accountId: string, purpose: TokenPurpose): Promise<string> {
  // A new link replaces older ones of the same purpose: only the latest mail works.
  await em.nativeUpdate(AccountToken, { accountId, purpose, usedAt: null }, { usedAt: new Date() })
  const token = newToken()
  em.create(AccountToken, {
    accountId,
    purpose,
    tokenHash: hashToken(token),
    expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS[purpose]),
  })
  await em.flush()
  return token
}

const INVALID = new DomainError(
  'gone',
  'link_invalid',
  'Ce lien n’est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau.',
)

/** The account a valid token belongs to; the token cannot be used again. */
export async function takeToken(em: EntityManager, token: string, purposes: TokenPurpose[]): Promise<string> {
  const row = await em.findOne(AccountToken, { tokenHash: hashToken(token), purpose: { $in: purposes } })
  if (!row || row.usedAt || row.expiresAt <= new Date()) throw INVALID
  row.usedAt = new Date()
  await em.flush()
  return row.accountId
}

/** Checks a token without using it (to show the form it leads to). */
export async function peekToken(em: EntityManager, token: string, purposes: TokenPurpose[]): Promise<string> {
  const row = await em.findOne(AccountToken, { tokenHash: hashToken(token), purpose: { $in: purposes } })
  if (!row || row.usedAt || row.expiresAt <= new Date()) throw INVALID
  return row.accountId
}
