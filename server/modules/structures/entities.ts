import { defineEntity, p, type InferEntity } from '@mikro-orm/core'

/** A structure de médiation numérique: a creditor, identified by its SIRET. */
export const Structure = defineEntity({
  name: 'Structure',
  tableName: 'structure',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    siret: p.string().length(14).unique(),
    name: p.string(),
    communeCode: p.string(),
    communeName: p.string(),
    departementCode: p.string(),
    regionCode: p.string(),
    /** Outside metropolitan France: two more months to declare (R622-24). */
    overseas: p.boolean(),
    address: p.text(),
    contactEmail: p.string(),
    iban: p.string().nullable(),
    bic: p.string().nullable(),
    bankUpdatedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
})
export type StructureEntity = InferEntity<typeof Structure>

export const MEMBERSHIP_STATUSES = ['active', 'pending', 'rejected', 'ended'] as const

export const Membership = defineEntity({
  name: 'Membership',
  tableName: 'membership',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    structureId: p.uuid(),
    accountId: p.uuid(),
    status: p.enum(MEMBERSHIP_STATUSES),
    createdAt: p.datetime().onCreate(() => new Date()),
    decidedBy: p.uuid().nullable(),
    decidedAt: p.datetime().nullable(),
  },
})
export type MembershipEntity = InferEntity<typeof Membership>

export const Invitation = defineEntity({
  name: 'Invitation',
  tableName: 'invitation',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    structureId: p.uuid(),
    email: p.string(),
    tokenHash: p.string().length(64).unique(),
    invitedBy: p.uuid(),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
})
export type InvitationEntity = InferEntity<typeof Invitation>
