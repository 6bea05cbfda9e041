// The liquidator's proposal for a whole claim (L624-1): admit X €, reject Y €, refer Z € to the
// competent court. It is computed from the line decisions and can be overridden with a reason;
// every line must be decided first. Also: the default proposals applied to the undecided lines,
// so that the usual case is one click.

import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type Kysely } from 'kysely'
import { DomainError } from '../../errors.ts'
import { formatEuros } from '../../lib/money.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import { openForDecision, writeDecisions, type ReasonCode } from './decisions.ts'
import { moveClaim, moveClaimIf } from './states.ts'

export interface ProposalFigures {
  readonly declaredCents: number
  readonly admitCents: number
  /** Declared amounts of contested or rejected lines, and the part of admitted lines above the ledger value. */
  readonly discussedCents: number
  readonly undecidedLines: number
  readonly undecidedCents: number
}

export async function proposalFigures(em: EntityManager, claimId: string): Promise<ProposalFigures> {
  const [row] = await em.execute<{ declared: string | null; admit: string | null; discussed: string | null; undecided: string; undecided_cents: string | null }[]>(
    `select sum(l."amount_cents") as "declared",
            sum(case when d."decision" = 'admit' then least(d."admitted_cents", l."amount_cents") else 0 end) as "admit",
            sum(case when d."decision" in ('contest', 'reject') then l."amount_cents"
                     when d."decision" = 'admit' then l."amount_cents" - least(d."admitted_cents", l."amount_cents") else 0 end) as "discussed",
            count(*) filter (where d."claim_line_id" is null) as "undecided",
            sum(l."amount_cents") filter (where d."claim_line_id" is null) as "undecided_cents"
     from "claim" c join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
     join "claim_line" l on l."version_id" = v."id"
     left join "line_decision" d on d."claim_line_id" = l."id" and d."superseded_at" is null
     where c."id" = ?`,
    [claimId],
  )
  return {
    declaredCents: Number(row?.declared ?? 0),
    admitCents: Number(row?.admit ?? 0),
    discussedCents: Number(row?.discussed ?? 0),
    undecidedLines: Number(row?.undecided ?? 0),
    undecidedCents: Number(row?.undecided_cents ?? 0),
  }
}

/** What the default proposal of each reconciliation status becomes as a decision (DOMAIN §5). */
const DEFAULTS: Record<string, { decision: 'admit' | 'contest' | 'reject'; reason: ReasonCode | null } | undefined> = {
  matched: { decision: 'admit', reason: null },
  value_mismatch: { decision: 'admit', reason: null },
  unscanned_known: undefined, // admit with evidence, else ask for it: decided below from the proposal
  scanned_elsewhere: { decision: 'contest', reason: 'scanned_elsewhere' },
  unknown: { decision: 'contest', reason: 'unknown_identifier' },
  expired_at_use: { decision: 'contest', reason: 'expired' },
  already_paid: { decision: 'reject', reason: 'already_paid' },
  // duplicate_declared: held until the double declaration is resolved.
}

const admittedElsewhereSql = sql`exists (
  select 1 from "line_decision" o where o."procedure_id" = c."procedure_id" and o."identifier" = l."identifier"
    and o."decision" = 'admit' and o."superseded_at" is null and o."claim_line_id" <> l."id")`

/** Decides the undecided pass lines of a claim as their reconciliation proposes; returns how many. */
export async function applyDefaultProposals(em: EntityManager, claimId: string, actor: Actor, requestId: string | null = null): Promise<number> {
  await openForDecision(em, claimId, actor, requestId)
  const undecided = sql`not exists (select 1 from "line_decision" x where x."claim_line_id" = l."id")`
  let decided = 0
  for (const [status, rule] of Object.entries(DEFAULTS)) {
    if (!rule) continue
    decided += await writeDecisions(em, sql`r."status" = ${status} and ${undecided} and not ${admittedElsewhereSql}`, { decision: rule.decision, reasonCode: rule.reason, comment: null, claim: claimId, actor: actor.id })
  }
  decided += await writeDecisions(em, sql`r."status" = 'unscanned_known' and r."proposal" = 'admit' and ${undecided}`, { decision: 'admit', reasonCode: null, comment: null, claim: claimId, actor: actor.id })
  decided += await writeDecisions(em, sql`r."status" = 'unscanned_known' and r."proposal" = 'request_documents' and ${undecided}`, { decision: 'contest', reasonCode: 'missing_evidence', comment: null, claim: claimId, actor: actor.id })
  await recordAudit(em, { actor, requestId, action: 'lines.defaults_applied', entityType: 'claim', entityId: claimId, after: { lines: decided } })
  return decided
}

export interface ProposalInput {
  readonly claimId: string
  /** In cents; absent: the computed amount. */
  readonly admitCents?: number | null
  readonly overrideReason?: string | null
  /** Refer the discussed amount to the competent court instead of proposing its rejection. */
  readonly refer: boolean
}

export async function makeProposal(em: EntityManager, input: ProposalInput, actor: Actor, requestId: string | null = null): Promise<void> {
  const figures = await proposalFigures(em, input.claimId)
  if (figures.undecidedLines > 0) {
    throw new DomainError('conflict', 'lines_undecided', `${figures.undecidedLines} ligne(s) ne sont pas encore décidées (${formatEuros(figures.undecidedCents)}) : décidez-les avant de faire la proposition.`)
  }
  const admit = input.admitCents ?? figures.admitCents
  const reason = input.overrideReason?.trim().slice(0, 2000) || null
  if (admit < 0 || admit > figures.declaredCents) {
    throw new DomainError('invalid', 'admit_out_of_range', `Le montant proposé à l’admission doit être compris entre 0 et ${formatEuros(figures.declaredCents)}.`, [{ path: 'admit', message: 'montant hors limites' }])
  }
  if (admit !== figures.admitCents && !reason) {
    throw new DomainError('invalid', 'override_reason_required', `Le montant diffère de celui des lignes (${formatEuros(figures.admitCents)}) : donnez le motif de l’ajustement.`, [{ path: 'overrideReason', message: 'motif requis' }])
  }
  const rest = figures.declaredCents - admit
  const [refer, reject] = input.refer ? [rest, 0] : [0, rest]
  await moveClaimIf(em, ['submitted'], { claimId: input.claimId, to: 'under_review', because: 'proposal made' }, actor, requestId)
  const [before] = await em.execute<{ admit_cents: string }[]>(`select "admit_cents" from "claim_proposal" where "claim_id" = ?`, [input.claimId])
  const db = em.getKysely() as unknown as Kysely<unknown>
  await sql`
    insert into "claim_proposal" ("claim_id", "admit_cents", "reject_cents", "refer_cents", "computed_admit_cents", "override_reason", "proposed_by", "proposed_at")
    values (${input.claimId}::uuid, ${admit}, ${reject}, ${refer}, ${figures.admitCents}, ${reason}, ${actor.id}::uuid, now())
    on conflict ("claim_id") do update set "admit_cents" = excluded."admit_cents", "reject_cents" = excluded."reject_cents", "refer_cents" = excluded."refer_cents",
      "computed_admit_cents" = excluded."computed_admit_cents", "override_reason" = excluded."override_reason", "proposed_by" = excluded."proposed_by", "proposed_at" = excluded."proposed_at"
  `.execute(db)
  await moveClaim(em, { claimId: input.claimId, to: 'proposal_made', because: 'proposal made' }, actor, requestId)
  await recordAudit(em, {
    actor,
    requestId,
    action: 'claim.proposal',
    entityType: 'claim',
    entityId: input.claimId,
    before: before ? { admitCents: Number(before.admit_cents) } : null,
    after: { admitCents: admit, rejectCents: reject, referCents: refer, computedAdmitCents: figures.admitCents, overrideReason: reason },
  })
}
