// The liquidator's decision on a declared pass (DOMAIN §5). Admitting is where "nothing is paid
// twice" bites: the unique index line_decision_admitted_once refuses a second live admission of
// an identifier in the procedure, whichever claim it comes from, even under concurrent requests.

import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { recordAudit, type Actor } from '../audit/service.ts'

export const DECISIONS = ['admit', 'reject', 'contest'] as const
export type Decision = (typeof DECISIONS)[number]

export interface DecideLine {
  readonly lineId: string
  readonly decision: Decision
  readonly reasonCode?: string | null
  readonly comment?: string | null
}

interface LineFacts {
  claim_id: string
  procedure_id: string
  identifier: string | null
  proposed_cents: string | null
  amount_cents: string
}

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === '23505'

/** Records one decision in the caller's transaction; an admission takes the ledger's value. */
export async function decideLine(em: EntityManager, input: DecideLine, actor: Actor, requestId: string | null = null): Promise<void> {
  const [line] = await em.execute<LineFacts[]>(
    `select c."id" as "claim_id", c."procedure_id", l."identifier", r."proposed_cents", l."amount_cents"
     from "claim_line" l join "claim_version" v on v."id" = l."version_id" join "claim" c on c."id" = v."claim_id"
     left join "line_reconciliation" r on r."claim_line_id" = l."id"
     where l."id" = ?`,
    [input.lineId],
  )
  if (!line) throw new DomainError('not_found', 'line_not_found', 'Cette ligne n’existe pas.')
  const admitted = input.decision === 'admit' ? Number(line.proposed_cents ?? line.amount_cents) : 0
  try {
    await em.execute('savepoint decide_line')
    await em.execute(
      `insert into "line_decision" ("claim_line_id", "procedure_id", "claim_id", "identifier", "decision", "admitted_cents", "reason_code", "comment", "decided_by", "decided_at")
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())
       on conflict ("claim_line_id") do update set "decision" = excluded."decision", "admitted_cents" = excluded."admitted_cents",
         "reason_code" = excluded."reason_code", "comment" = excluded."comment", "decided_by" = excluded."decided_by",
         "decided_at" = excluded."decided_at", "lock_version" = "line_decision"."lock_version" + 1`,
      [input.lineId, line.procedure_id, line.claim_id, line.identifier, input.decision, admitted, input.reasonCode ?? null, input.comment ?? null, actor.id],
    )
    await em.execute('release savepoint decide_line')
  } catch (error) {
    await em.execute('rollback to savepoint decide_line')
    if (isUniqueViolation(error)) {
      throw new DomainError('conflict', 'pass_already_admitted', `Le pass ${line.identifier} est déjà admis dans une autre déclaration : un pass ne peut être payé deux fois.`)
    }
    throw error
  }
  await recordAudit(em, {
    actor,
    requestId,
    action: `line.${input.decision}`,
    entityType: 'claim',
    entityId: line.claim_id,
    after: { lineId: input.lineId, identifier: line.identifier, admittedCents: admitted, reasonCode: input.reasonCode ?? null },
  })
}
