// A correction filed after lines were decided (DOMAIN §6: a correction is a new version). The
// decisions on the earlier version's lines stop being in force: left in force, an admission there
// held its pass in the "admitted once" index, and the same pass could no longer be admitted in the
// version now under review. A line the correction left exactly as it was keeps its decision (the
// liquidator decided on that very line); a changed or new line waits for a decision. When the
// filing restarted the review, the proposal made on the earlier version, and a letter drawn from it
// but not sent, are withdrawn too: their figures were the earlier version's.

import type { EntityManager } from '@mikro-orm/postgresql'
import { recordAudit, type Actor } from '../audit/service.ts'

/** What makes two lines of successive versions the same line. */
const SAME_LINE = `l."kind", coalesce(l."identifier", ''), coalesce(l."label", ''), coalesce(l."invoice_number", ''), l."amount_cents"`

/** Runs in the submission's transaction, once the new version is filed. */
export async function carryDecisionsOver(em: EntityManager, claimId: string, versionId: string, actor: Actor, requestId: string | null): Promise<void> {
  const earlier = await em.execute<{ claim_line_id: string }[]>(
    `update "line_decision" d set "superseded_at" = now()
     from "claim_line" l join "claim_version" v on v."id" = l."version_id"
     where d."claim_line_id" = l."id" and v."claim_id" = ? and v."id" <> ? and d."superseded_at" is null
     returning d."claim_line_id"`,
    [claimId, versionId],
  )
  const withdrawn = await em.execute<{ claim_id: string }[]>(
    `delete from "claim_proposal" p using "claim" c where p."claim_id" = c."id" and c."id" = ? and c."status" = 'submitted' returning p."claim_id"`,
    [claimId],
  )
  if (withdrawn.length > 0) {
    await em.execute(`update "contestation_letter" set "superseded_at" = now() where "claim_id" = ? and "superseded_at" is null and "sent_on" is null`, [claimId])
  }
  if (earlier.length === 0 && withdrawn.length === 0) return
  // Pairs each decided line with its twin in the new version (the n-th of equal lines with the n-th).
  const carried = await em.execute<{ claim_line_id: string }[]>(
    `with "old" as (
       select d.*, row_number() over (partition by ${SAME_LINE} order by l."id") as "n", row(${SAME_LINE})::text as "k"
       from "line_decision" d join "claim_line" l on l."id" = d."claim_line_id"
       where d."claim_line_id" = any(?::uuid[])
     ), "new" as (
       select l."id", row_number() over (partition by ${SAME_LINE} order by l."id") as "n", row(${SAME_LINE})::text as "k"
       from "claim_line" l where l."version_id" = ?
     )
     insert into "line_decision" ("claim_line_id", "procedure_id", "claim_id", "identifier", "decision", "admitted_cents", "reason_code", "comment", "decided_by", "decided_at")
     select n."id", o."procedure_id", o."claim_id", o."identifier", o."decision", o."admitted_cents", o."reason_code", o."comment", o."decided_by", o."decided_at"
     from "old" o join "new" n on n."k" = o."k" and n."n" = o."n"
     on conflict ("claim_line_id") do nothing
     returning "claim_line_id"`,
    [`{${earlier.map((e) => e.claim_line_id).join(',')}}`, versionId],
  )
  await recordAudit(em, {
    actor,
    requestId,
    action: 'claim.decisions_carried_over',
    entityType: 'claim',
    entityId: claimId,
    after: { versionId, superseded: earlier.length, carriedOver: carried.length, proposalWithdrawn: withdrawn.length > 0 },
  })
}
