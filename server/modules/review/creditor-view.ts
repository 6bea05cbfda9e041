// What the structure sees of the liquidator's review: the claim's state, requests for documents,
// the contestation letter with its answer deadline and days left (L622-27), and its own answer.
import type { EntityManager } from '@mikro-orm/postgresql'
import { formatFrenchDate, todayInParis, type IsoDate } from '../../lib/calendar.ts'
import { CLAIM_STATE_LABELS, type ClaimState } from '../../lib/claim-states.ts'
import { formatEuros } from '../../lib/money.ts'
import { ANSWERS, answerOf, answerWindow } from './answers.ts'
import { documentsRequests } from './documents-request.ts'
import { liveLetter, SENT_METHODS } from './letters.ts'

export async function creditorReview(em: EntityManager, claimId: string, now = new Date()) {
  const today = todayInParis(now)
  const [claim] = await em.execute<{ status: ClaimState }[]>(`select "status" from "claim" where "id" = ?`, [claimId])
  const state = claim?.status ?? 'draft'
  const letter = await liveLetter(em, claimId)
  const visible = letter?.sentOn ? letter : null
  const answer = visible ? await answerOf(em, visible.id) : null
  const window = visible ? answerWindow(visible, today) : null
  const [decision] = await em.execute<{ admitted_cents: string; rejected_cents: string; referred_cents: string; decided_on: string; reference: string }[]>(
    `select "admitted_cents", "rejected_cents", "referred_cents", to_char("decided_on", 'YYYY-MM-DD') as "decided_on", "reference" from "judge_decision" where "claim_id" = ? and "superseded_at" is null`,
    [claimId],
  )
  return {
    state,
    stateLabel: CLAIM_STATE_LABELS[state],
    inReview: state !== 'draft' && state !== 'submitted',
    documentsRequests: await documentsRequests(em, claimId),
    letter: visible && {
      id: visible.id,
      number: visible.number,
      admit: formatEuros(visible.admitCents),
      discussed: formatEuros(visible.contestedCents),
      lines: visible.lines,
      sent: `${formatFrenchDate(visible.sentOn as IsoDate)}, ${visible.sentMethod ? SENT_METHODS[visible.sentMethod] : ''}${visible.sentReference ? ` n° ${visible.sentReference}` : ''}`,
      receivedOn: visible.receivedOn ? formatFrenchDate(visible.receivedOn) : null,
      answerDueOn: visible.answerDueOn ? formatFrenchDate(visible.answerDueOn) : null,
      daysRemaining: window?.daysRemaining ?? null,
      open: window?.open ?? false,
    },
    answer: answer && { label: ANSWERS[answer.answer], comment: answer.comment, on: formatFrenchDate(todayInParis(new Date(answer.answeredAt))) },
    canAnswer: Boolean(visible && window?.open && !answer && state === 'contested'),
    judgeDecision: decision && {
      admitted: formatEuros(Number(decision.admitted_cents)),
      rejected: formatEuros(Number(decision.rejected_cents)),
      referred: Number(decision.referred_cents) > 0 ? formatEuros(Number(decision.referred_cents)) : null,
      on: formatFrenchDate(decision.decided_on as IsoDate),
      reference: decision.reference,
    },
  }
}
export type CreditorReview = Awaited<ReturnType<typeof creditorReview>>
