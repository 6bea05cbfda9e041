// The creditor's answer to a contestation (L622-27): accept the proposal, or contest it with
// explanations (and new evidence through the claim's pieces). The answer is possible from the
// letter's sending until the end of the 30-day window counted from receipt; then the form locks
// and a daily job moves unanswered claims to "answer_window_closed".

import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { formatFrenchDate, todayInParis, type IsoDate } from '../../lib/calendar.ts'
import { answerDaysRemaining } from '../../lib/deadlines.ts'
import { recordAudit, SYSTEM_ACTOR, type Actor } from '../audit/service.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { liveLetter, type LetterRow } from './letters.ts'
import { moveClaim } from './states.ts'

export const ANSWERS = { accept: 'accepte la proposition', contest: 'conteste la proposition' } as const
export type Answer = keyof typeof ANSWERS

export interface AnswerRow {
  readonly answer: Answer
  readonly comment: string | null
  readonly answeredAt: Date
}

export async function answerOf(em: EntityManager, letterId: string): Promise<AnswerRow | null> {
  const [row] = await em.execute<AnswerRow[]>(`select "answer", "comment", "answered_at" as "answeredAt" from "contestation_answer" where "letter_id" = ?`, [letterId])
  return row ?? null
}

/** Where the answer window stands on `today`. */
export function answerWindow(letter: LetterRow, today: IsoDate): { open: boolean; daysRemaining: number | null } {
  if (!letter.sentOn) return { open: false, daysRemaining: null }
  if (!letter.answerDueOn) return { open: true, daysRemaining: null }
  const days = answerDaysRemaining(today, letter.answerDueOn)
  return { open: days >= 0, daysRemaining: days }
}

export async function answerContestation(
  em: EntityManager,
  mail: MailDeps,
  input: { claimId: string; answer: string; comment: string },
  actor: Actor,
  requestId: string | null = null,
  now = new Date(),
): Promise<void> {
  const letter = await liveLetter(em, input.claimId)
  if (!letter?.sentOn) throw new DomainError('conflict', 'no_contestation', 'Aucune contestation n’attend de réponse.')
  const window = answerWindow(letter, todayInParis(now))
  if (!window.open) throw new DomainError('conflict', 'answer_window_closed', `Le délai de réponse a expiré le ${formatFrenchDate(letter.answerDueOn as IsoDate)} : la réponse n’est plus possible (L622-27).`)
  if (await answerOf(em, letter.id)) throw new DomainError('conflict', 'already_answered', 'Vous avez déjà répondu à cette contestation.')
  const answer = Object.keys(ANSWERS).find((a) => a === input.answer) as Answer | undefined
  const comment = input.comment.trim().slice(0, 5000) || null
  const errors = [
    ...(!answer ? [{ path: 'answer', message: 'choisissez : accepter ou contester' }] : []),
    ...(answer === 'contest' && (!comment || comment.length < 10) ? [{ path: 'comment', message: 'expliquez en quelques mots pourquoi vous contestez' }] : []),
  ]
  if (errors.length) throw new DomainError('invalid', 'answer_invalid', 'La réponse est incomplète.', errors)
  await moveClaim(em, { claimId: input.claimId, to: 'answered', because: `answer to letter ${letter.number}` }, actor, requestId)
  const evidence = await em.execute<{ id: string }[]>(`select "id" from "evidence" where "claim_id" = ? and "removed_at" is null and "uploaded_at" >= ?`, [input.claimId, `${letter.sentOn}T00:00:00Z`])
  await em.execute(
    `insert into "contestation_answer" ("id", "letter_id", "claim_id", "answer", "comment", "evidence_ids", "answered_by", "answered_at") values (?, ?, ?, ?, ?, ?, ?, ?)`,
    [crypto.randomUUID(), letter.id, input.claimId, answer, comment, `{${evidence.map((e) => e.id).join(',')}}`, actor.id, now],
  )
  await recordAudit(em, { actor, requestId, action: 'claim.answered', entityType: 'claim', entityId: input.claimId, after: { letter: letter.number, answer, comment, evidence: evidence.length } })
  const [claim] = await em.execute<{ number: string; structure: string; liquidator_email: string | null }[]>(
    `select c."number", s."name" as "structure", p."liquidator_email" from "claim" c join "structure" s on s."id" = c."structure_id" join "procedure" p on p."id" = c."procedure_id" where c."id" = ?`,
    [input.claimId],
  )
  if (claim?.liquidator_email) {
    await queueMail(em, mail, {
      to: claim.liquidator_email,
      template: 'contestation-answer',
      data: { number: claim.number, structureName: claim.structure, answeredOn: formatFrenchDate(todayInParis(now)), answer: ANSWERS[answer as Answer], comment, link: `${mail.publicUrl}/liquidation/declarations/${input.claimId}` },
    })
  }
}

/** Moves every contested claim whose window ended before `today` without an answer. Idempotent. */
export async function closeAnswerWindows(em: EntityManager, today: IsoDate): Promise<number> {
  const due = await em.execute<{ claim_id: string; number: string }[]>(
    `select l."claim_id", l."number" from "contestation_letter" l join "claim" c on c."id" = l."claim_id"
     where l."superseded_at" is null and l."answer_due_on" < ? and c."status" = 'contested'
       and not exists (select 1 from "contestation_answer" a where a."letter_id" = l."id")`,
    [today],
  )
  for (const row of due) {
    await moveClaim(em, { claimId: row.claim_id, to: 'answer_window_closed', because: `no answer to letter ${row.number} in 30 days` }, SYSTEM_ACTOR)
  }
  return due.length
}
