// Reading the audit trail for people: who (a name, or "compte fermé" once pseudonymised), what, when.
import type { EntityManager } from '@mikro-orm/postgresql'
import { Account } from '../accounts/entities.ts'
import { AuditEvent } from './entities.ts'

export type HistoryRow = {
  id: number
  occurredAt: Date
  occurredAtIso: string
  actorLabel: string
  actorRole: string
  action: string
  entityType: string
  entityId: string
  beforeJson: string
  afterJson: string
  requestId: string | null
  hash: string
}

const parisTime = new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' })

export async function listHistory(
  em: EntityManager,
  filter: { entityType: string | null; entityId: string | null },
  limit: number,
): Promise<(HistoryRow & { when: string })[]> {
  const where = {
    ...(filter.entityType ? { entityType: filter.entityType } : {}),
    ...(filter.entityId ? { entityId: filter.entityId } : {}),
  }
  const events = await em.find(AuditEvent, where, { orderBy: { id: 'desc' }, limit })
  const actorIds = [...new Set(events.map((e) => e.actorId).filter((id): id is string => id !== null))]
  const accounts = new Map((await em.find(Account, { id: { $in: actorIds } })).map((a) => [a.id, a]))
  return events.map((e) => {
    const account = e.actorId ? accounts.get(e.actorId) : undefined
    const actorLabel = !e.actorId
      ? e.actorRole === 'system' ? 'système' : e.actorRole
      : account?.status === 'closed' ? `compte fermé (${e.actorId.slice(0, 8)})` : (account?.displayName ?? account?.email ?? e.actorId)
    return {
      id: e.id,
      occurredAt: e.occurredAt,
      occurredAtIso: e.occurredAt.toISOString(),
      when: parisTime.format(e.occurredAt),
      actorLabel,
      actorRole: e.actorRole,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      beforeJson: e.before ? JSON.stringify(e.before) : '',
      afterJson: e.after ? JSON.stringify(e.after) : '',
      requestId: e.requestId ?? null,
      hash: e.hash,
    }
  })
}
