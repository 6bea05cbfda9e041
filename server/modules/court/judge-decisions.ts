// The juge-commissaire's decisions (L624-2), recorded apart from the liquidator's proposals: for each
// claim, the admitted and rejected amounts, the date and the decision's reference. L624-2 also lets
// the judge note a pending lawsuit or send the dispute to the competent court: that part is
// "referred", neither admitted nor rejected, and admitted + rejected + referred is the declared
// amount (the judge cannot admit more than the creditor declared). A new record supersedes the
// previous one (an appeal, a clerical correction); the claim becomes "decided".
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError, type FieldError } from '../../errors.ts'
import { isIsoDate, todayInParis, type IsoDate } from '../../lib/calendar.ts'
import { CLAIM_STATE_LABELS, canMove, type ClaimState } from '../../lib/claim-states.ts'
import { formatEuros } from '../../lib/money.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import { moveClaim } from '../review/states.ts'

export interface JudgeDecisionInput {
  readonly claimId: string
  readonly admittedCents: number
  readonly rejectedCents: number
  /** Pending lawsuit or outside the judge's jurisdiction (L624-2): neither admitted nor rejected. */
  readonly referredCents: number
  readonly decidedOn: string
  readonly reference: string
  readonly source: 'form' | 'spreadsheet'
}

/** The rule a decision must meet, without writing: used per row by the spreadsheet import too. */
export function decisionProblems(input: Omit<JudgeDecisionInput, 'claimId' | 'source'>, claim: { state: ClaimState; declaredCents: number }, today: IsoDate): FieldError[] {
  const problems: FieldError[] = []
  if (!canMove(claim.state, 'decided')) problems.push({ path: 'claim', message: `la déclaration est « ${CLAIM_STATE_LABELS[claim.state]} » : le juge statue sur une proposition faite (et, si elle est contestée, après la réponse ou la fin du délai)` })
  const total = input.admittedCents + input.rejectedCents + input.referredCents
  if (input.admittedCents < 0 || input.rejectedCents < 0 || input.referredCents < 0) problems.push({ path: 'admitted', message: 'montants positifs ou nuls' })
  else if (total !== claim.declaredCents) {
    problems.push({ path: 'admitted', message: `admis + rejeté${input.referredCents ? ' + renvoyé' : ''} doit égaler le montant déclaré, ${formatEuros(claim.declaredCents)} (ici ${formatEuros(total)})` })
  }
  if (!isIsoDate(input.decidedOn) || input.decidedOn > today) problems.push({ path: 'decidedOn', message: 'date de l’ordonnance, passée ou du jour' })
  const reference = input.reference.trim()
  if (reference.length < 2 || reference.length > 64) problems.push({ path: 'reference', message: 'référence de la décision (2 à 64 caractères)' })
  return problems
}

export async function claimForDecision(em: EntityManager, claimId: string): Promise<{ id: string; number: string; state: ClaimState; declaredCents: number } | null> {
  const [row] = await em.execute<{ id: string; number: string; status: ClaimState; declared: string | null }[]>(
    `select c."id", c."number", c."status", (select sum(l."amount_cents") from "claim_line" l where l."version_id" = v."id") as "declared"
     from "claim" c join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version" where c."id" = ? for update of c`,
    [claimId],
  )
  return row ? { id: row.id, number: row.number, state: row.status, declaredCents: Number(row.declared ?? 0) } : null
}

export interface LiveDecision {
  readonly admittedCents: number
  readonly rejectedCents: number
  readonly referredCents: number
  readonly decidedOn: string
  readonly reference: string
}

/** The claims a spreadsheet names, with their state, declared amount and live decision, in one query. */
export async function claimsForDecision(em: EntityManager, claimIds: readonly string[]): Promise<Map<string, { state: ClaimState; declaredCents: number; live: LiveDecision | null }>> {
  const rows = await em.execute<{ id: string; status: ClaimState; declared: string | null; admitted: string | null; rejected: string | null; referred: string | null; decided_on: string | null; reference: string | null }[]>(
    `select c."id", c."status", (select sum(l."amount_cents") from "claim_line" l where l."version_id" = v."id") as "declared",
            j."admitted_cents" as "admitted", j."rejected_cents" as "rejected", j."referred_cents" as "referred", to_char(j."decided_on", 'YYYY-MM-DD') as "decided_on", j."reference"
     from "claim" c join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
     left join "judge_decision" j on j."claim_id" = c."id" and j."superseded_at" is null
     where c."id" = any(?::uuid[])`,
    [`{${claimIds.join(',')}}`],
  )
  return new Map(rows.map((r) => [r.id, {
    state: r.status,
    declaredCents: Number(r.declared ?? 0),
    live: r.admitted === null ? null : { admittedCents: Number(r.admitted), rejectedCents: Number(r.rejected), referredCents: Number(r.referred), decidedOn: r.decided_on ?? '', reference: r.reference ?? '' },
  }]))
}

export async function recordJudgeDecision(em: EntityManager, input: JudgeDecisionInput, actor: Actor, requestId: string | null = null, now = new Date()): Promise<void> {
  const claim = await claimForDecision(em, input.claimId)
  if (!claim) throw new DomainError('not_found', 'claim_not_found', 'Cette déclaration n’existe pas.')
  const problems = decisionProblems(input, claim, todayInParis(now))
  if (problems.length) throw new DomainError('invalid', 'judge_decision_invalid', 'La décision ne peut pas être enregistrée.', problems)
  const [previous] = await em.execute<{ id: string; admitted_cents: string; rejected_cents: string; referred_cents: string; reference: string }[]>(
    `update "judge_decision" set "superseded_at" = ? where "claim_id" = ? and "superseded_at" is null returning "id", "admitted_cents", "rejected_cents", "referred_cents", "reference"`,
    [now, claim.id],
  )
  await em.execute(
    `insert into "judge_decision" ("id", "claim_id", "admitted_cents", "rejected_cents", "referred_cents", "decided_on", "reference", "source", "recorded_by", "recorded_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [crypto.randomUUID(), claim.id, input.admittedCents, input.rejectedCents, input.referredCents, input.decidedOn, input.reference.trim(), input.source, actor.id, now],
  )
  await moveClaim(em, { claimId: claim.id, to: 'decided', because: `juge-commissaire ${input.reference.trim()}` }, actor, requestId)
  await recordAudit(em, {
    actor,
    requestId,
    action: 'claim.judge_decision',
    entityType: 'claim',
    entityId: claim.id,
    before: previous ? { admittedCents: Number(previous.admitted_cents), rejectedCents: Number(previous.rejected_cents), referredCents: Number(previous.referred_cents), reference: previous.reference } : null,
    after: { admittedCents: input.admittedCents, rejectedCents: input.rejectedCents, referredCents: input.referredCents, decidedOn: input.decidedOn, reference: input.reference.trim(), source: input.source },
  })
}
