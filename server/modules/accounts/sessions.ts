// Server-side sessions in PostgreSQL. The cookie holds a random token; the table holds its hash.
// A session ends after 30 idle minutes or 12 hours in all, and on logout (one or everywhere).
import type { EntityManager } from '@mikro-orm/postgresql'
import { hashToken, newToken } from '../../lib/tokens.ts'
import { Membership } from '../structures/entities.ts'
import { Account, Session, type AccountEntity, type SessionEntity } from './entities.ts'
import type { Actor } from './policy.ts'

export const SESSION_IDLE_MS = 30 * 60_000
export const SESSION_ABSOLUTE_MS = 12 * 3600_000
/** last_seen_at is refreshed at most this often: one write a minute, not one per request. */
const TOUCH_EVERY_MS = 60_000

export async function openSession(
  em: EntityManager,
  account: AccountEntity,
  context: { ip?: string; userAgent?: string; mfaVerified: boolean },
): Promise<{ token: string; session: SessionEntity }> {
  const token = newToken()
  const now = new Date()
  const session = em.create(Session, {
    tokenHash: hashToken(token),
    accountId: account.id,
    mfaVerified: context.mfaVerified,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: new Date(now.getTime() + SESSION_ABSOLUTE_MS),
    ip: context.ip?.slice(0, 64) ?? null,
    userAgent: context.userAgent?.slice(0, 255) ?? null,
  })
  await em.flush()
  return { token, session }
}

export async function activeStructureIds(em: EntityManager, accountId: string): Promise<string[]> {
  const rows = await em.find(Membership, { accountId, status: 'active' }, { fields: ['structureId'] })
  return rows.map((m) => m.structureId)
}

/** The actor behind a session cookie, or null when the session is unknown, ended or expired. */
export async function resolveSession(em: EntityManager, token: string, now = new Date()): Promise<Actor | null> {
  const session = await em.findOne(Session, { tokenHash: hashToken(token), revokedAt: null })
  if (!session) return null
  const idle = now.getTime() - session.lastSeenAt.getTime() > SESSION_IDLE_MS
  if (idle || session.expiresAt <= now) {
    session.revokedAt = now
    await em.flush()
    return null
  }
  const account = await em.findOne(Account, { id: session.accountId, status: 'active' })
  if (!account) return null
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
    session.lastSeenAt = now
    await em.flush()
  }
  return {
    kind: 'account',
    accountId: account.id,
    role: account.role,
    sessionId: session.id,
    mfaVerified: session.mfaVerified,
    structureIds: account.role === 'structure' ? await activeStructureIds(em, account.id) : [],
  }
}

export async function markMfaVerified(em: EntityManager, sessionId: string): Promise<void> {
  await em.nativeUpdate(Session, { id: sessionId }, { mfaVerified: true })
}

export async function revokeSession(em: EntityManager, sessionId: string): Promise<void> {
  await em.nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt: new Date() })
}

/** "Logout everywhere", a password change, an account closure. Returns how many ended. */
export async function revokeAllSessions(em: EntityManager, accountId: string, except?: string): Promise<number> {
  return em.nativeUpdate(
    Session,
    { accountId, revokedAt: null, ...(except ? { id: { $ne: except } } : {}) },
    { revokedAt: new Date() },
  )
}
