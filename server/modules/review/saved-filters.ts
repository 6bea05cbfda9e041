// Saved filters of the desk: each person names the queue views they come back to.
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { isUuid } from '../../lib/uuid.ts'
import { recordAudit, type Actor } from '../audit/service.ts'

export interface SavedFilter {
  readonly id: string
  readonly name: string
  readonly query: string
}

export async function savedFilters(em: EntityManager, accountId: string): Promise<SavedFilter[]> {
  return em.execute<SavedFilter[]>(`select "id", "name", "query" from "saved_filter" where "account_id" = ? order by "name"`, [accountId])
}

/** Saves (or replaces, under the same name) the queue's query string; only known parameters are kept. */
export async function saveFilter(em: EntityManager, actor: Actor & { id: string }, name: string, query: URLSearchParams): Promise<void> {
  const label = name.trim().slice(0, 80)
  if (label.length < 2) throw new DomainError('invalid', 'filter_name', 'Donnez un nom à ce filtre.', [{ path: 'name', message: 'nom requis' }])
  const kept = new URLSearchParams([...query].filter(([k, v]) => ['q', 'departement', 'etat', 'statut', 'montant', 'hors_delai', 'presumee', 'reponse', 'tri'].includes(k) && v !== ''))
  await em.execute(
    `insert into "saved_filter" ("id", "account_id", "name", "query", "created_at") values (?, ?, ?, ?, now())
     on conflict ("account_id", "name") do update set "query" = excluded."query"`,
    [crypto.randomUUID(), actor.id, label, kept.toString().slice(0, 1000)],
  )
  await recordAudit(em, { actor, action: 'filter.saved', entityType: 'account', entityId: actor.id, after: { name: label, query: kept.toString() } })
}

export async function deleteFilter(em: EntityManager, actor: Actor & { id: string }, filterId: string): Promise<void> {
  if (!isUuid(filterId)) return
  const deleted = await em.execute<{ name: string }[]>(`delete from "saved_filter" where "id" = ? and "account_id" = ? returning "name"`, [filterId, actor.id])
  if (deleted[0]) await recordAudit(em, { actor, action: 'filter.deleted', entityType: 'account', entityId: actor.id, before: { name: deleted[0].name } })
}
