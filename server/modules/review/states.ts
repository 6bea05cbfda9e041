// Moves a claim from one review state to the next (lib/claim-states.ts), under a row lock, with
// its audit event in the same transaction. Every module that changes a claim's state goes through here.

import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { CLAIM_STATE_LABELS, canMove, type ClaimState } from '../../lib/claim-states.ts'
import { recordAudit, type Actor } from '../audit/service.ts'

export interface Move {
  readonly claimId: string
  readonly to: ClaimState
  /** Why, for the audit trail (e.g. "first decision", "answer window closed"). */
  readonly because: string
}

/** Locks the claim row and returns its state. */
export async function lockClaimState(em: EntityManager, claimId: string): Promise<ClaimState> {
  const [row] = await em.execute<{ status: ClaimState }[]>(`select "status" from "claim" where "id" = ? for update`, [claimId])
  if (!row) throw new DomainError('not_found', 'claim_not_found', 'Cette déclaration n’existe pas.')
  return row.status
}

export async function moveClaim(em: EntityManager, move: Move, actor: Actor, requestId: string | null = null): Promise<void> {
  const from = await lockClaimState(em, move.claimId)
  if (from === move.to && move.to !== 'decided') return
  if (!canMove(from, move.to)) {
    throw new DomainError('conflict', 'claim_state', `Impossible : la déclaration est « ${CLAIM_STATE_LABELS[from]} » et ne peut passer à « ${CLAIM_STATE_LABELS[move.to]} ».`)
  }
  await em.execute(`update "claim" set "status" = ?, "updated_at" = now() where "id" = ?`, [move.to, move.claimId])
  await recordAudit(em, { actor, requestId, action: 'claim.state', entityType: 'claim', entityId: move.claimId, before: { state: from }, after: { state: move.to, because: move.because } })
}

/** Moves only when the claim is in one of `from` (e.g. the first decision starts the review). */
export async function moveClaimIf(em: EntityManager, from: readonly ClaimState[], move: Move, actor: Actor, requestId: string | null = null): Promise<boolean> {
  const state = await lockClaimState(em, move.claimId)
  if (!from.includes(state)) return false
  await moveClaim(em, move, actor, requestId)
  return true
}
