// The workflow part of the claim review page: state, figures for the proposal, the proposal made,
// requests for documents, the letter with its sending, receipt and answer.
import type { EntityManager } from '@mikro-orm/postgresql'
import { formatFrenchDate, todayInParis, type IsoDate } from '../../lib/calendar.ts'
import { CLAIM_STATE_LABELS, canMove, type ClaimState } from '../../lib/claim-states.ts'
import { formatDecimal, formatEuros } from '../../lib/money.ts'
import { ANSWERS, answerOf, answerWindow } from './answers.ts'
import { defaultDocumentsDueOn, documentsRequests } from './documents-request.ts'
import { liveLetter, SENT_METHODS } from './letters.ts'
import { proposalFigures } from './proposal.ts'

export async function claimWorkflow(em: EntityManager, claimId: string, now = new Date()) {
  const today = todayInParis(now)
  const [claim] = await em.execute<{ status: ClaimState }[]>(`select "status" from "claim" where "id" = ?`, [claimId])
  const state = claim?.status ?? 'draft'
  const figures = await proposalFigures(em, claimId)
  const [proposal] = await em.execute<{ admit_cents: string; reject_cents: string; refer_cents: string; override_reason: string | null; proposed_at: Date }[]>(
    `select "admit_cents", "reject_cents", "refer_cents", "override_reason", "proposed_at" from "claim_proposal" where "claim_id" = ?`,
    [claimId],
  )
  const [judge] = await em.execute<{ admitted_cents: string; rejected_cents: string; referred_cents: string; decided_on: IsoDate; reference: string }[]>(
    `select "admitted_cents", "rejected_cents", "referred_cents", to_char("decided_on", 'YYYY-MM-DD') as "decided_on", "reference" from "judge_decision" where "claim_id" = ? and "superseded_at" is null`,
    [claimId],
  )
  const letter = await liveLetter(em, claimId)
  const answer = letter ? await answerOf(em, letter.id) : null
  const window = letter ? answerWindow(letter, today) : null
  return {
    state,
    stateLabel: CLAIM_STATE_LABELS[state],
    figures: {
      declared: formatEuros(figures.declaredCents),
      admit: formatEuros(figures.admitCents),
      admitInput: formatDecimal(figures.admitCents),
      discussed: formatEuros(figures.discussedCents),
      undecidedLines: figures.undecidedLines,
      undecided: formatEuros(figures.undecidedCents),
    },
    canPropose: figures.undecidedLines === 0 && ['submitted', 'under_review', 'proposal_made'].includes(state),
    proposal: proposal && {
      admit: formatEuros(Number(proposal.admit_cents)),
      reject: formatEuros(Number(proposal.reject_cents)),
      refer: formatEuros(Number(proposal.refer_cents)),
      referred: Number(proposal.refer_cents) > 0,
      overrideReason: proposal.override_reason,
      on: formatFrenchDate(todayInParis(new Date(proposal.proposed_at))),
    },
    documentsRequests: await documentsRequests(em, claimId),
    documentsDueOn: defaultDocumentsDueOn(now),
    canGenerateLetter: state === 'proposal_made' && !letter?.sentOn,
    letter: letter && {
      ...letter,
      generated: formatFrenchDate(todayInParis(new Date(letter.generatedAt))),
      admit: formatEuros(letter.admitCents),
      discussed: formatEuros(letter.contestedCents),
      sent: letter.sentOn ? `${formatFrenchDate(letter.sentOn)}, ${letter.sentMethod ? SENT_METHODS[letter.sentMethod] : ''} n° ${letter.sentReference}` : null,
      received: letter.receivedOn ? formatFrenchDate(letter.receivedOn) : null,
      answerDue: letter.answerDueOn ? formatFrenchDate(letter.answerDueOn as IsoDate) : null,
      daysRemaining: window?.daysRemaining ?? null,
      windowOpen: window?.open ?? false,
    },
    today,
    methods: Object.entries(SENT_METHODS).map(([value, label]) => ({ value, label })),
    canRecordJudge: canMove(state, 'decided'),
    judge: judge && {
      admitted: formatEuros(Number(judge.admitted_cents)),
      rejected: formatEuros(Number(judge.rejected_cents)),
      referred: Number(judge.referred_cents) > 0 ? formatEuros(Number(judge.referred_cents)) : null,
      on: formatFrenchDate(judge.decided_on),
      reference: judge.reference,
    },
    // The judge usually follows the proposal: its referred part (L624-2) is offered as referred.
    judgeDefaults: {
      admitted: formatDecimal(proposal ? Number(proposal.admit_cents) : figures.admitCents),
      rejected: formatDecimal(figures.declaredCents - (proposal ? Number(proposal.admit_cents) + Number(proposal.refer_cents) : figures.admitCents)),
      referred: proposal && Number(proposal.refer_cents) > 0 ? formatDecimal(Number(proposal.refer_cents)) : '',
    },
    answer: answer && { label: ANSWERS[answer.answer], comment: answer.comment, on: formatFrenchDate(todayInParis(new Date(answer.answeredAt))) },
  }
}
