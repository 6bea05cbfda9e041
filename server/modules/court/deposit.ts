// The état des créances deposited at the court registry (R624-8): its deposit and its BODACC
// publication are recorded; anyone concerned may object within one month of the publication, and
// that window is shown on the court page and the desk.
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { daysBetween, formatFrenchDate, parseFrenchDate, todayInParis, type IsoDate } from '../../lib/calendar.ts'
import { objectionDeadline } from '../../lib/deadlines.ts'
import { recordAudit, type Actor } from '../audit/service.ts'

export interface DepositView {
  readonly depositedOn: string
  readonly publishedOn: string | null
  readonly objectionUntil: string | null
  /** Days left to object (0 on the last day), negative once closed; null before publication. */
  readonly daysLeft: number | null
  readonly open: boolean
}

export async function recordDeposit(em: EntityManager, procedureId: string, input: { depositedOn: string; publishedOn: string }, actor: Actor, requestId: string | null = null, now = new Date()): Promise<IsoDate | null> {
  const today = todayInParis(now)
  const deposited = parseFrenchDate(input.depositedOn)
  const published = input.publishedOn.trim() ? parseFrenchDate(input.publishedOn) : null
  const errors = [
    ...(!deposited.ok ? [{ path: 'depositedOn', message: deposited.error.message }] : deposited.value > today ? [{ path: 'depositedOn', message: 'date passée ou du jour' }] : []),
    ...(published && !published.ok ? [{ path: 'publishedOn', message: published.error.message }] : []),
    ...(published?.ok && deposited.ok && (published.value < deposited.value || published.value > today) ? [{ path: 'publishedOn', message: 'entre le dépôt et aujourd’hui' }] : []),
  ]
  if (errors.length || !deposited.ok) throw new DomainError('invalid', 'deposit_invalid', 'Le dépôt de l’état des créances est incomplet.', errors)
  const publishedOn = published?.ok ? published.value : null
  const until = publishedOn ? objectionDeadline(publishedOn) : null
  await em.execute(
    `insert into "claims_statement_deposit" ("id", "procedure_id", "deposited_on", "published_on", "objection_until", "recorded_by", "recorded_at") values (?, ?, ?, ?, ?, ?, ?)`,
    [crypto.randomUUID(), procedureId, deposited.value, publishedOn, until, actor.id, now],
  )
  await recordAudit(em, { actor, requestId, action: 'statement.deposited', entityType: 'procedure', entityId: procedureId, after: { depositedOn: deposited.value, publishedOn, objectionUntil: until } })
  return until
}

/** The latest deposit recorded, with where the objection window stands today. */
export async function currentDeposit(em: EntityManager, procedureId: string, now = new Date()): Promise<DepositView | null> {
  const [row] = await em.execute<{ deposited_on: IsoDate; published_on: IsoDate | null; objection_until: IsoDate | null }[]>(
    `select to_char("deposited_on", 'YYYY-MM-DD') as "deposited_on", to_char("published_on", 'YYYY-MM-DD') as "published_on", to_char("objection_until", 'YYYY-MM-DD') as "objection_until"
     from "claims_statement_deposit" where "procedure_id" = ? order by "recorded_at" desc limit 1`,
    [procedureId],
  )
  if (!row) return null
  const daysLeft = row.objection_until ? daysBetween(todayInParis(now), row.objection_until) : null
  return {
    depositedOn: formatFrenchDate(row.deposited_on),
    publishedOn: row.published_on ? formatFrenchDate(row.published_on) : null,
    objectionUntil: row.objection_until ? formatFrenchDate(row.objection_until) : null,
    daysLeft,
    open: daysLeft !== null && daysLeft >= 0,
  }
}
