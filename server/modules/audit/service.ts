// Audit: every state change writes one event in the same transaction as the change.
// Events form a SHA-256 hash chain so that any rewritten or removed row is detectable.
import { createHash } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { AuditEvent, type AuditEventEntity } from './entities.ts'

export const GENESIS_HASH = '0'.repeat(64)

export type Actor = {
  id: string | null
  /** 'system' for start-up and jobs, 'cli' for operator commands, else the account's role. */
  role: string
}

export const SYSTEM_ACTOR: Actor = { id: null, role: 'system' }

export type AuditInput = {
  actor: Actor
  action: string
  entityType: string
  entityId: string
  before?: Record<string, unknown> | null
  after?: Record<string, unknown> | null
  requestId?: string | null
}

/** JSON with keys sorted at every level: the same content always hashes the same way. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null)
  if (value instanceof Date) return JSON.stringify(value.toISOString())
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

export function eventHash(
  event: Omit<AuditEventEntity, 'id' | 'hash'>,
): string {
  const payload = canonicalJson({
    occurredAt: event.occurredAt.toISOString(),
    actorId: event.actorId ?? null,
    actorRole: event.actorRole,
    action: event.action,
    entityType: event.entityType,
    entityId: event.entityId,
    before: event.before ?? null,
    after: event.after ?? null,
    requestId: event.requestId ?? null,
    prevHash: event.prevHash,
  })
  return createHash('sha256').update(payload).digest('hex')
}

/**
 * Appends an event. Must run inside the use case's transaction: the advisory lock serialises
 * writers so that each event links to the one committed just before it.
 */
type SqlRunner = { query<R>(sql: string, params?: unknown[]): Promise<{ rows: R[] }> }

function buildEvent(input: AuditInput, prevHash: string): Omit<AuditEventEntity, 'id' | 'hash'> {
  // JSON round trip: what is hashed is exactly what jsonb will give back (dates become strings).
  const plain = (v: Record<string, unknown> | null | undefined) => (v ? JSON.parse(JSON.stringify(v)) : null)
  return {
    occurredAt: new Date(),
    actorId: input.actor.id,
    actorRole: input.actor.role,
    action: input.action,
    entityType: input.entityType,
    entityId: input.entityId,
    before: plain(input.before),
    after: plain(input.after),
    requestId: input.requestId ?? null,
    prevHash,
  }
}

/**
 * Appends an event. Must run inside the use case's transaction: the advisory lock serialises
 * writers so that each event links to the one committed just before it.
 */
export async function recordAudit(em: EntityManager, input: AuditInput): Promise<AuditEventEntity> {
  await em.execute(`select pg_advisory_xact_lock(hashtext('audit_event_chain'))`)
  const [last] = await em.execute<{ hash: string }[]>(`select "hash" from "audit_event" order by "id" desc limit 1`)
  const event = buildEvent(input, last?.hash ?? GENESIS_HASH)
  const row = em.create(AuditEvent, { ...event, hash: eventHash(event) })
  await em.flush()
  return row
}

/** The same append on a raw pg client, for bulk use cases that run their own transaction (ledger loads). */
export async function recordAuditSql(client: SqlRunner, input: AuditInput): Promise<void> {
  await client.query(`select pg_advisory_xact_lock(hashtext('audit_event_chain'))`)
  const { rows } = await client.query<{ hash: string }>(`select "hash" from "audit_event" order by "id" desc limit 1`)
  const event = buildEvent(input, rows[0]?.hash ?? GENESIS_HASH)
  await client.query(
    `insert into "audit_event" ("occurred_at", "actor_id", "actor_role", "action", "entity_type", "entity_id", "before", "after", "request_id", "prev_hash", "hash")
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [event.occurredAt, event.actorId, event.actorRole, event.action, event.entityType, event.entityId,
      event.before === null ? null : JSON.stringify(event.before), event.after === null ? null : JSON.stringify(event.after),
      event.requestId, event.prevHash, eventHash(event)],
  )
}

/** Recomputes the chain; returns the id of the first broken link, or null if the chain holds. */
export async function verifyAuditChain(em: EntityManager): Promise<{ checked: number; firstBroken: number | null }> {
  let previous = GENESIS_HASH
  let checked = 0
  let lastId = 0
  for (;;) {
    const batch = await em.find(AuditEvent, { id: { $gt: lastId } }, { orderBy: { id: 'asc' }, limit: 5000 })
    if (batch.length === 0) return { checked, firstBroken: null }
    for (const row of batch) {
      if (row.prevHash !== previous || eventHash(row) !== row.hash) return { checked, firstBroken: row.id }
      previous = row.hash
      checked += 1
      lastId = row.id
    }
    em.clear()
  }
}
