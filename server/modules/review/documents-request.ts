// Requests for missing documents. Cass. com. 5 June 2012 (11-17603): a claim cannot be rejected for
// lack of evidence unless the documents were asked for first. The structure is mailed and uploads
// into its claim (the evidence panel stays open after submission); its first upload after the
// request marks the request answered.

import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { addDays, formatFrenchDate, todayInParis, type IsoDate } from '../../lib/calendar.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { activeMembers } from '../structures/service.ts'
import { moveClaimIf } from './states.ts'

/** Time given by default to send documents: fifteen days, as usual in practice. */
export const DEFAULT_DOCUMENTS_DAYS = 15

export interface DocumentsRequestInput {
  readonly claimId: string
  readonly what: string
  readonly dueOn: IsoDate
}

export async function requestDocuments(em: EntityManager, mail: MailDeps, input: DocumentsRequestInput, actor: Actor, requestId: string | null = null, now = new Date()): Promise<string> {
  const what = input.what.trim().slice(0, 2000)
  const today = todayInParis(now)
  const errors = [
    ...(what.length < 5 ? [{ path: 'what', message: 'dites quelles pièces manquent' }] : []),
    ...(!/^\d{4}-\d{2}-\d{2}$/u.test(input.dueOn) || input.dueOn <= today ? [{ path: 'dueOn', message: 'une date à venir' }] : []),
  ]
  if (errors.length) throw new DomainError('invalid', 'documents_request_invalid', 'La demande de pièces est incomplète.', errors)
  const [claim] = await em.execute<{ number: string; structure_id: string; status: string }[]>(`select "number", "structure_id", "status" from "claim" where "id" = ?`, [input.claimId])
  if (!claim) throw new DomainError('not_found', 'claim_not_found', 'Cette déclaration n’existe pas.')
  if (claim.status === 'draft' || claim.status === 'decided') throw new DomainError('conflict', 'claim_state', 'On ne demande des pièces que pour une déclaration déposée et non encore décidée.')
  await moveClaimIf(em, ['submitted'], { claimId: input.claimId, to: 'under_review', because: 'documents requested' }, actor, requestId)
  const id = crypto.randomUUID()
  await em.execute(`insert into "documents_request" ("id", "claim_id", "what", "due_on", "requested_by", "requested_at") values (?, ?, ?, ?, ?, ?)`, [id, input.claimId, what, input.dueOn, actor.id, now])
  await recordAudit(em, { actor, requestId, action: 'claim.documents_requested', entityType: 'claim', entityId: input.claimId, after: { requestId: id, what, dueOn: input.dueOn } })
  const data = { number: claim.number, what, dueOn: formatFrenchDate(input.dueOn), link: `${mail.publicUrl}/structures/${claim.structure_id}/declaration/pieces` }
  for (const member of await activeMembers(em, claim.structure_id)) {
    await queueMail(em, mail, { to: member.email, template: 'documents-request', data })
  }
  return id
}

/** A default due date for the request form. */
export function defaultDocumentsDueOn(now = new Date()): IsoDate {
  return addDays(todayInParis(now), DEFAULT_DOCUMENTS_DAYS)
}

/** True once documents were asked for and either came or their due date has passed. */
export async function documentsRequestLapsed(em: EntityManager, claimId: string, now = new Date()): Promise<boolean> {
  const [row] = await em.execute<{ n: string }[]>(
    `select count(*) as "n" from "documents_request" where "claim_id" = ? and ("answered_at" is not null or "due_on" < ?)`,
    [claimId, todayInParis(now)],
  )
  return Number(row?.n ?? 0) > 0
}

/** Called when the structure adds evidence: open requests of the claim count as answered. */
export async function markDocumentsReceived(em: EntityManager, claimId: string, audit: { actor: Actor; requestId: string | null }, now = new Date()): Promise<void> {
  const answered = await em.execute<{ id: string }[]>(`update "documents_request" set "answered_at" = ? where "claim_id" = ? and "answered_at" is null returning "id"`, [now, claimId])
  if (answered.length) await recordAudit(em, { ...audit, action: 'claim.documents_received', entityType: 'claim', entityId: claimId, after: { requests: answered.map((r) => r.id) } })
}

export interface DocumentsRequestView {
  readonly what: string
  readonly dueOn: string
  readonly requestedOn: string
  readonly answered: boolean
}

export async function documentsRequests(em: EntityManager, claimId: string): Promise<DocumentsRequestView[]> {
  const rows = await em.execute<{ what: string; due_on: string; requested_at: Date; answered_at: Date | null }[]>(
    `select "what", to_char("due_on", 'YYYY-MM-DD') as "due_on", "requested_at", "answered_at" from "documents_request" where "claim_id" = ? order by "requested_at"`,
    [claimId],
  )
  return rows.map((r) => ({
    what: r.what,
    dueOn: formatFrenchDate(r.due_on as IsoDate),
    requestedOn: formatFrenchDate(todayInParis(new Date(r.requested_at))),
    answered: r.answered_at !== null,
  }))
}
