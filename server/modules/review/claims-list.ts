// The list of declared claims with the liquidator's proposals (L624-1), one row per claim. A pass
// line counts as proposed for admission, contested or rejected, or pending, from the liquidator's
// decision when there is one, else from the reconciliation's default proposal. Other lines
// (subscriptions, invoices) are pending until examined. The three amounts add up to the declared
// amount, line by line, in cents.

import type { EntityManager } from '@mikro-orm/postgresql'

export interface ClaimListRow {
  readonly id: string
  readonly number: string
  readonly creditor: string
  readonly siret: string
  readonly departement: string
  readonly status: string
  readonly version: number
  readonly submittedAt: Date | null
  readonly late: boolean
  readonly passLines: number
  readonly declaredCents: number
  readonly admitCents: number
  readonly contestCents: number
  readonly pendingCents: number
  /** The liquidator's claim-level proposal (L624-1), once made. */
  readonly proposal: { readonly admitCents: number; readonly rejectCents: number; readonly referCents: number } | null
  /** The juge-commissaire's decision in force (L624-2), once recorded. */
  readonly judge: { readonly admittedCents: number; readonly rejectedCents: number; readonly referredCents: number; readonly decidedOn: string; readonly reference: string } | null
}

type Raw = {
  id: string
  number: string
  creditor: string
  siret: string
  departement: string
  status: string
  version: number
  submitted_at: Date | string | null
  late: boolean
  pass_lines: string
  declared: string
  admit: string
  contest: string
  pending: string
  p_admit: string | null
  p_reject: string | null
  p_refer: string | null
  j_admitted: string | null
  j_rejected: string | null
  j_referred: string | null
  j_date: string | null
  j_reference: string | null
}

export async function claimsList(em: EntityManager, procedureId: string): Promise<ClaimListRow[]> {
  const rows = await em.execute<Raw[]>(
    `with "judged" as (
       select c."id" as "claim_id", l."kind", l."amount_cents" as "declared",
              case
                when l."kind" <> 'pass' then 'pending'
                when d."decision" = 'admit' then 'admit'
                when d."decision" in ('contest', 'reject') then 'contest'
                when r."proposal" = 'admit' then 'admit'
                when r."proposal" in ('contest', 'reject') then 'contest'
                else 'pending'
              end as "way",
              coalesce(case when d."decision" = 'admit' then d."admitted_cents" end, r."proposed_cents", 0) as "admitted"
       from "claim" c
       join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
       join "claim_line" l on l."version_id" = v."id"
       left join "line_reconciliation" r on r."claim_line_id" = l."id"
       left join "line_decision" d on d."claim_line_id" = l."id" and d."superseded_at" is null
       where c."procedure_id" = ?
     ),
     "amounts" as (
       select "claim_id", count(*) filter (where "kind" = 'pass') as "pass_lines", sum("declared") as "declared",
              sum(case when "way" = 'admit' then least("admitted", "declared") else 0 end) as "admit",
              -- An admission below the declared value contests the difference.
              sum(case when "way" = 'contest' then "declared" when "way" = 'admit' then "declared" - least("admitted", "declared") else 0 end) as "contest",
              sum(case when "way" = 'pending' then "declared" else 0 end) as "pending"
       from "judged" group by "claim_id"
     )
     select c."id", c."number", s."name" as "creditor", s."siret", s."departement_code" as "departement", c."status", c."current_version" as "version",
            v."submitted_at", v."late", coalesce(a."pass_lines", 0) as "pass_lines", coalesce(a."declared", 0) as "declared",
            coalesce(a."admit", 0) as "admit", coalesce(a."contest", 0) as "contest", coalesce(a."pending", 0) as "pending",
            cp."admit_cents" as "p_admit", cp."reject_cents" as "p_reject", cp."refer_cents" as "p_refer",
            j."admitted_cents" as "j_admitted", j."rejected_cents" as "j_rejected", j."referred_cents" as "j_referred", to_char(j."decided_on", 'YYYY-MM-DD') as "j_date", j."reference" as "j_reference"
     from "claim" c
     join "structure" s on s."id" = c."structure_id"
     join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
     left join "amounts" a on a."claim_id" = c."id"
     left join "claim_proposal" cp on cp."claim_id" = c."id"
     left join "judge_decision" j on j."claim_id" = c."id" and j."superseded_at" is null
     where c."procedure_id" = ?
     order by c."number"`,
    [procedureId, procedureId],
  )
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    creditor: r.creditor,
    siret: r.siret,
    departement: r.departement,
    status: r.status,
    version: r.version,
    // Raw queries return timestamps as text here.
    submittedAt: r.submitted_at === null ? null : new Date(r.submitted_at),
    late: r.late,
    passLines: Number(r.pass_lines),
    declaredCents: Number(r.declared),
    admitCents: Number(r.admit),
    contestCents: Number(r.contest),
    pendingCents: Number(r.pending),
    proposal: r.p_admit === null ? null : { admitCents: Number(r.p_admit), rejectCents: Number(r.p_reject), referCents: Number(r.p_refer) },
    judge: r.j_admitted === null ? null : { admittedCents: Number(r.j_admitted), rejectedCents: Number(r.j_rejected), referredCents: Number(r.j_referred), decidedOn: r.j_date ?? '', reference: r.j_reference ?? '' },
  }))
}
