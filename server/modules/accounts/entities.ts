import { SealedText } from '../../db/sealed-text.ts'
import { defineEntity, p, type InferEntity } from '@mikro-orm/core'

export const ROLES = ['structure', 'liquidator', 'ministry', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** A person's account. The only personal data the product holds (names and emails of staff). */
export const Account = defineEntity({
  name: 'Account',
  tableName: 'account',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    email: p.string(),
    displayName: p.string().nullable(),
    role: p.enum(ROLES),
    passwordHash: p.text().nullable().hidden(),
    emailVerifiedAt: p.datetime().nullable(),
    totpSecret: p.type(SealedText).nullable().hidden(),
    totpEnabledAt: p.datetime().nullable(),
    /** Last accepted TOTP time step: the same code cannot be replayed. */
    totpLastStep: p.bigint('number').nullable(),
    status: p.enum(['active', 'closed'] as const).default('active'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    closedAt: p.datetime().nullable(),
  },
})
export type AccountEntity = InferEntity<typeof Account>

export const Session = defineEntity({
  name: 'Session',
  tableName: 'session',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    tokenHash: p.string().length(64).unique(),
    accountId: p.uuid(),
    mfaVerified: p.boolean().default(false),
    createdAt: p.datetime(),
    lastSeenAt: p.datetime(),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    ip: p.string().nullable(),
    userAgent: p.string().nullable(),
  },
})
export type SessionEntity = InferEntity<typeof Session>

export const TOKEN_PURPOSES = ['verify_email', 'reset_password', 'set_password'] as const
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number]

export const AccountToken = defineEntity({
  name: 'AccountToken',
  tableName: 'account_token',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    accountId: p.uuid(),
    purpose: p.enum(TOKEN_PURPOSES),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
})
export type AccountTokenEntity = InferEntity<typeof AccountToken>
