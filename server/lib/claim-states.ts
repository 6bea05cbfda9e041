// The states a claim goes through once submitted (DOMAIN §3): the liquidator reviews it and makes a
// proposal (L624-1); a contested claim waits for the creditor's answer or the end of its 30-day
// window (L622-27); the juge-commissaire then decides (L624-2). Which move is allowed is a pure rule.

export const CLAIM_STATES = ['draft', 'submitted', 'under_review', 'proposal_made', 'contested', 'answered', 'answer_window_closed', 'decided'] as const
export type ClaimState = (typeof CLAIM_STATES)[number]

const NEXT: Record<ClaimState, readonly ClaimState[]> = {
  draft: ['submitted'],
  // A correction filed during the review starts the review again from the new version.
  submitted: ['under_review'],
  under_review: ['proposal_made', 'submitted'],
  // A proposal can be revised before any letter is sent; a contested claim is one whose letter went out.
  proposal_made: ['under_review', 'contested', 'decided', 'submitted'],
  contested: ['answered', 'answer_window_closed'],
  answered: ['decided'],
  answer_window_closed: ['decided'],
  // A decision can be corrected (an appeal, a clerical error): it stays decided, with a new record.
  decided: ['decided'],
}

export function canMove(from: ClaimState, to: ClaimState): boolean {
  return NEXT[from].includes(to)
}

export const CLAIM_STATE_LABELS: Record<ClaimState, string> = {
  draft: 'brouillon',
  submitted: 'déposée',
  under_review: 'en instruction',
  proposal_made: 'proposition faite',
  contested: 'contestée, réponse attendue',
  answered: 'réponse reçue',
  answer_window_closed: 'délai de réponse expiré',
  decided: 'décidée par le juge-commissaire',
}

export function isClaimState(value: unknown): value is ClaimState {
  return typeof value === 'string' && (CLAIM_STATES as readonly string[]).includes(value)
}
