import { defineEntity, p, type InferEntity } from '@mikro-orm/core'

/**
 * An append-only, hash-chained record of one state change. The table refuses UPDATE and DELETE
 * (a trigger in the migrations); rows are written only through audit/service.ts.
 */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    occurredAt: p.datetime(),
    actorId: p.string().nullable(),
    actorRole: p.string(),
    action: p.string(),
    entityType: p.string(),
    entityId: p.string(),
    before: p.json<Record<string, unknown>>().nullable(),
    after: p.json<Record<string, unknown>>().nullable(),
    requestId: p.string().nullable(),
    prevHash: p.string().length(64),
    hash: p.string().length(64).unique(),
  },
})
export type AuditEventEntity = InferEntity<typeof AuditEvent>
