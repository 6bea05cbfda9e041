// The liquidator's decision on a declared pass (DOMAIN §5), one line or a whole reconciliation
// group of a claim at once. Admitting is where "nothing is paid twice" bites: the unique index
// line_decision_admitted_once refuses a second live admission of an identifier in the procedure,
// whichever claim it comes from, even under concurrent requests.

import type { EntityManager } from '@mikro-orm/postgresql'
import { sql, type Kysely, type RawBuilder } from 'kysely'
import { DomainError } from '../../errors.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import { lockClaimState, moveClaimIf } from './states.ts'
import { documentsRequestLapsed } from './documents-request.ts'

export const DECISIONS = ['admit', 'reject', 'contest'] as const
export type Decision = (typeof DECISIONS)[number]

/** The fixed reasons a rejection or contestation gives, pass by pass (in the letters too). */
export const REASONS = {
  already_paid: 'Pass déjà payé par l’opérateur',
  scanned_elsewhere: 'Pass scanné par une autre structure',
  unknown_identifier: 'Identifiant inconnu du grand livre de l’opérateur',
  expired: 'Pass utilisé après la fin de sa validité',
  duplicate: 'Pass déclaré aussi par une autre structure',
  missing_evidence: 'Justificatif manquant',
  value: 'Valeur faciale différente de celle du grand livre',
  after_judgment: 'Pass utilisé après le jugement d’ouverture',
  other: 'Autre motif (voir le commentaire)',
} as const
export type ReasonCode = keyof typeof REASONS

export interface DecisionInput {
  readonly decision: Decision
  readonly reasonCode?: string | null
  readonly comment?: string | null
}

const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === '23505'

/** Checks the rules a decision must meet before anything is written. */
function checked(input: DecisionInput, documentsRequested: boolean): { decision: Decision; reasonCode: ReasonCode | null; comment: string | null } {
  if (!DECISIONS.includes(input.decision)) throw new DomainError('invalid', 'decision_invalid', 'Choisissez admettre, contester ou rejeter.', [{ path: 'decision', message: 'décision inconnue' }])
  const reasonCode = input.reasonCode ? (Object.keys(REASONS).find((k) => k === input.reasonCode) as ReasonCode | undefined) : undefined
  if (input.reasonCode && !reasonCode) throw new DomainError('invalid', 'reason_invalid', 'Motif inconnu.', [{ path: 'reasonCode', message: 'choisissez un motif de la liste' }])
  const comment = input.comment?.trim().slice(0, 2000) || null
  if (input.decision !== 'admit' && !reasonCode) {
    throw new DomainError('invalid', 'reason_required', 'Une contestation ou un rejet doit donner son motif.', [{ path: 'reasonCode', message: 'choisissez un motif' }])
  }
  if (reasonCode === 'other' && !comment) throw new DomainError('invalid', 'comment_required', 'Précisez le motif en commentaire.', [{ path: 'comment', message: 'commentaire requis pour « autre motif »' }])
  // Cass. com. 5 June 2012, 11-17603: no rejection for missing documents without first asking for
  // them: a request must exist and its due date must have passed.
  if (input.decision === 'reject' && reasonCode === 'missing_evidence' && !documentsRequested) {
    throw new DomainError('conflict', 'documents_not_requested', 'Un rejet pour justificatif manquant doit être précédé d’une demande de pièces restée sans réponse à son échéance : demandez d’abord les pièces.', [
      { path: 'decision', message: 'demandez d’abord les pièces' },
    ])
  }
  return { decision: input.decision, reasonCode: reasonCode ?? null, comment }
}

/**
 * Decides one line. `expectedLockVersion` is what the person saw (0: no decision yet): if someone
 * decided the line meanwhile, nothing is written and the message says who and when.
 */
export async function decideLine(
  em: EntityManager,
  input: DecisionInput & { readonly lineId: string; readonly expectedLockVersion?: number },
  actor: Actor,
  requestId: string | null = null,
): Promise<void> {
  const [line] = await em.execute<{ claim_id: string; procedure_id: string; identifier: string | null; lock_version: number | null; decided_at: Date | null; decided_by_role: string | null }[]>(
    `select c."id" as "claim_id", c."procedure_id", l."identifier", ld."lock_version", ld."decided_at", a."role" as "decided_by_role"
     from "claim_line" l join "claim_version" v on v."id" = l."version_id" join "claim" c on c."id" = v."claim_id"
     left join "line_decision" ld on ld."claim_line_id" = l."id"
     left join "account" a on a."id" = ld."decided_by"
     where l."id" = ? for update of l`,
    [input.lineId],
  )
  if (!line) throw new DomainError('not_found', 'line_not_found', 'Cette ligne n’existe pas.')
  const d = checked(input, await documentsRequestLapsed(em, line.claim_id))
  await openForDecision(em, line.claim_id, actor, requestId)
  if (input.expectedLockVersion !== undefined && (line.lock_version ?? 0) !== input.expectedLockVersion) {
    const when = line.decided_at ? new Date(line.decided_at).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' }) : ''
    throw new DomainError('conflict', 'decision_changed', `Cette ligne a été décidée entre-temps (${line.decided_by_role ?? 'autre personne'}, ${when}) : rechargez la page avant de décider.`)
  }
  await writeDecisions(em, sql`l."id" = ${input.lineId}::uuid`, { ...d, claim: line.claim_id, actor: actor.id })
  await recordAudit(em, {
    actor,
    requestId,
    action: `line.${d.decision}`,
    entityType: 'claim',
    entityId: line.claim_id,
    before: { lineId: input.lineId, lockVersion: line.lock_version ?? 0 },
    after: { lineId: input.lineId, identifier: line.identifier, decision: d.decision, reasonCode: d.reasonCode },
  })
}

/** Decides every line of a claim's current version that holds this reconciliation status. */
export async function decideGroup(
  em: EntityManager,
  input: DecisionInput & { readonly claimId: string; readonly status: string },
  actor: Actor,
  requestId: string | null = null,
): Promise<{ decided: number; skipped: number }> {
  const d = checked(input, await documentsRequestLapsed(em, input.claimId))
  await openForDecision(em, input.claimId, actor, requestId)
  // Lines whose pass is already admitted in another claim are left out (and counted): admitting
  // them would pay a pass twice.
  const admittedElsewhere = sql`exists (
      select 1 from "line_decision" o where o."procedure_id" = r."procedure_id" and o."identifier" = r."identifier"
        and o."decision" = 'admit' and o."superseded_at" is null and o."claim_line_id" <> r."claim_line_id")`
  const leftOut = d.decision === 'admit' ? admittedElsewhere : sql`false`
  const db = em.getKysely() as unknown as Kysely<unknown>
  const { rows: [skip] } = await sql<{ n: string }>`
    select count(*) as "n" from "line_reconciliation" r where r."claim_id" = ${input.claimId}::uuid and r."status" = ${input.status} and ${leftOut}
  `.execute(db)
  const decided = await writeDecisions(em, sql`r."status" = ${input.status} and not ${leftOut}`, {
    ...d,
    claim: input.claimId,
    actor: actor.id,
  })
  await recordAudit(em, {
    actor,
    requestId,
    action: `lines.${d.decision}`,
    entityType: 'claim',
    entityId: input.claimId,
    after: { status: input.status, decision: d.decision, reasonCode: d.reasonCode, lines: decided, skipped: Number(skip?.n ?? 0) },
  })
  return { decided, skipped: Number(skip?.n ?? 0) }
}

/**
 * A decision starts the review of a submitted claim and reopens a proposal not yet sent (the
 * proposal must then be made again). A draft is not declared yet, and once the juge-commissaire
 * has decided, lines are closed: neither is decided.
 */
export async function openForDecision(em: EntityManager, claimId: string, actor: Actor, requestId: string | null): Promise<void> {
  const state = await lockClaimState(em, claimId)
  if (state === 'draft') throw new DomainError('conflict', 'claim_not_submitted', 'Cette déclaration n’est pas encore déposée : elle ne s’instruit pas.')
  if (state === 'decided') throw new DomainError('conflict', 'claim_decided', 'Le juge-commissaire a statué sur cette créance : ses lignes ne se décident plus.')
  if (state === 'submitted' || state === 'proposal_made') {
    await moveClaimIf(em, [state], { claimId, to: 'under_review', because: 'line decided' }, actor, requestId)
    // A letter generated from the previous proposal and not sent no longer says the truth.
    await em.execute(`update "contestation_letter" set "superseded_at" = now() where "claim_id" = ? and "superseded_at" is null and "sent_on" is null`, [claimId])
  }
}

/** One set-based upsert over the lines of the claim's current version that match `scope`. */
export async function writeDecisions(
  em: EntityManager,
  scope: RawBuilder<unknown>,
  values: { decision: Decision; reasonCode: ReasonCode | null; comment: string | null; claim: string; actor: string | null },
): Promise<number> {
  const db = em.getKysely() as unknown as Kysely<unknown>
  // What an admission admits: the ledger's face value when known, never above what was declared.
  const admitted = values.decision === 'admit' ? sql`least(coalesce(r."ledger_face_value_cents", l."amount_cents"), l."amount_cents")` : sql`0`
  await sql`savepoint decide`.execute(db)
  try {
    const result = await sql`
      insert into "line_decision" ("claim_line_id", "procedure_id", "claim_id", "identifier", "decision", "admitted_cents", "reason_code", "comment", "decided_by", "decided_at")
      select l."id", c."procedure_id", c."id", l."identifier", ${values.decision}, ${admitted}, ${values.reasonCode}, ${values.comment}, ${values.actor}::uuid, now()
      from "claim" c join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
      join "claim_line" l on l."version_id" = v."id"
      left join "line_reconciliation" r on r."claim_line_id" = l."id"
      where c."id" = ${values.claim}::uuid and ${scope}
      on conflict ("claim_line_id") do update set "decision" = excluded."decision", "admitted_cents" = excluded."admitted_cents",
        "reason_code" = excluded."reason_code", "comment" = excluded."comment", "decided_by" = excluded."decided_by",
        "decided_at" = excluded."decided_at", "lock_version" = "line_decision"."lock_version" + 1
    `.execute(db)
    await sql`release savepoint decide`.execute(db)
    return Number(result.numAffectedRows ?? 0)
  } catch (error) {
    await sql`rollback to savepoint decide`.execute(db)
    if (isUniqueViolation(error)) {
      throw new DomainError('conflict', 'pass_already_admitted', 'Un de ces pass est déjà admis dans une autre déclaration : un pass ne peut être payé deux fois. Rien n’a été enregistré.')
    }
    throw error
  }
}

/**
 * Decides the lines a person ticked, each at the lock version shown to them: if any was decided
 * meanwhile, nothing is written (the caller's transaction rolls back) and the message says so.
 */
export async function decideLines(
  em: EntityManager,
  input: DecisionInput & { readonly claimId: string; readonly lines: readonly { id: string; lock: number }[] },
  actor: Actor,
  requestId: string | null = null,
): Promise<number> {
  if (input.lines.length === 0) throw new DomainError('invalid', 'lines_empty', 'Cochez au moins un pass.', [{ path: 'lines', message: 'aucun pass coché' }])
  for (const line of input.lines) {
    const [owner] = await em.execute<{ claim_id: string }[]>(
      `select v."claim_id" from "claim_line" l join "claim_version" v on v."id" = l."version_id" where l."id" = ?`,
      [line.id],
    )
    if (owner?.claim_id !== input.claimId) throw new DomainError('not_found', 'line_not_found', 'Un des pass cochés n’appartient pas à cette déclaration.')
    await decideLine(em, { ...input, lineId: line.id, expectedLockVersion: line.lock }, actor, requestId)
  }
  return input.lines.length
}
