// The review states of a claim (DOMAIN §3): which moves the product allows.
import t from 'tap'
import { CLAIM_STATES, canMove } from '../../server/lib/claim-states.ts'

t.test('the happy path from submission to the judge’s decision is allowed step by step', async (t) => {
  const path = ['draft', 'submitted', 'under_review', 'proposal_made', 'contested', 'answered', 'decided'] as const
  for (let i = 1; i < path.length; i++) t.ok(canMove(path[i - 1]!, path[i]!), `${path[i - 1]} → ${path[i]}`)
  t.ok(canMove('contested', 'answer_window_closed'), 'no answer in 30 days (L622-27)')
  t.ok(canMove('answer_window_closed', 'decided'))
  t.ok(canMove('proposal_made', 'decided'), 'an uncontested proposal goes straight to the judge')
})

t.test('no shortcut: a contested claim waits for its answer or the end of its window', async (t) => {
  t.notOk(canMove('contested', 'decided'))
  t.notOk(canMove('contested', 'proposal_made'), 'a sent letter is not taken back by a new proposal')
  t.notOk(canMove('submitted', 'contested'), 'no letter without a proposal')
  t.notOk(canMove('draft', 'under_review'), 'a draft is not declared')
  t.notOk(canMove('decided', 'under_review'))
  for (const state of CLAIM_STATES) t.notOk(canMove(state, 'draft'), `${state} never goes back to draft`)
})
