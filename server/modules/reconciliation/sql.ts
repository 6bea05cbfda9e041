// The reconciliation itself: one set-based statement gives every declared pass of the current
// claim versions exactly one status of DOMAIN §5 and its default proposal. The order of the CASE
// is the order of precedence: what the ledger settles (unknown, paid, scanned by someone else)
// wins over what only the declarations say (declared twice), which wins over the pass's own
// conditions (expired at use, wrong value).

import { sql, type Kysely, type RawBuilder } from 'kysely'

export interface LedgerVersions {
  readonly passes: string
  readonly scans: string | null
  readonly payments: string | null
}

/** Lines in scope: the current version of every claim of the procedure, or of the given claims. */
function scopeFilter(claimIds: readonly string[] | null): RawBuilder<unknown> {
  return claimIds === null ? sql`true` : sql`c."id" = any(${claimIds}::uuid[])`
}

const NONE = '00000000-0000-0000-0000-000000000000'

export async function reconcileSql(db: Kysely<unknown>, procedureId: string, versions: LedgerVersions, claimIds: readonly string[] | null): Promise<number> {
  const result = await sql`
    with "lines" as (
      select l."id", l."identifier", l."face_value_cents" as "declared", l."amount_cents", l."evidence_id",
             l."service_date", l."scan_date", c."id" as "claim_id", s."siret", v."id" as "version_id"
      from "claim" c
      join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
      join "claim_line" l on l."version_id" = v."id" and l."kind" = 'pass' and l."identifier" is not null
      join "structure" s on s."id" = c."structure_id"
      where c."procedure_id" = ${procedureId} and ${scopeFilter(claimIds)}
    ),
    "declared_twice" as (
      select l."identifier", array_agg(distinct c."id") as "claim_ids"
      from "claim" c
      join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
      join "claim_line" l on l."version_id" = v."id" and l."kind" = 'pass'
      where c."procedure_id" = ${procedureId} and l."identifier" in (select "identifier" from "lines")
      group by l."identifier" having count(distinct c."id") > 1
    ),
    "evidenced" as (
      select distinct e."claim_id" from "evidence" e
      where e."kind" in ('pass_scans', 'platform_export') and e."removed_at" is null and e."claim_id" in (select "claim_id" from "lines")
    ),
    "judged" as (
      select l.*, p."identifier" as "ledger_identifier", p."face_value_cents" as "ledger_value", p."valid_until",
             sc."siret" as "scanned_by", pay."paid", d."claim_ids" as "others", ev."claim_id" is not null as "has_evidence",
             coalesce(l."service_date", (sc."scanned_at" at time zone 'Europe/Paris')::date, l."scan_date") as "use_date"
      from "lines" l
      left join "ledger_pass" p on p."version_id" = ${versions.passes}::uuid and p."identifier" = l."identifier"
      left join "ledger_scan" sc on sc."version_id" = ${versions.scans ?? NONE}::uuid and sc."identifier" = l."identifier"
      left join lateral (
        select true as "paid" from "ledger_payment" pm
        where pm."version_id" = ${versions.payments ?? NONE}::uuid and pm."identifier" = l."identifier" limit 1
      ) pay on true
      left join "declared_twice" d on d."identifier" = l."identifier"
      left join "evidenced" ev on ev."claim_id" = l."claim_id"
    ),
    "statused" as (
      select j.*, case
        when j."ledger_identifier" is null then 'unknown'
        when j."paid" then 'already_paid'
        when j."scanned_by" is not null and j."scanned_by" <> j."siret" then 'scanned_elsewhere'
        when j."scanned_by" is null and j."others" is not null then 'duplicate_declared'
        when j."use_date" > j."valid_until" + interval '1 month' then 'expired_at_use'
        when j."declared" is distinct from j."ledger_value" then 'value_mismatch'
        when j."scanned_by" is not null then 'matched'
        else 'unscanned_known'
      end as "status"
      from "judged" j
    )
    insert into "line_reconciliation" ("claim_line_id", "procedure_id", "claim_id", "identifier", "status", "proposal", "after_judgment",
      "use_date", "declared_cents", "ledger_face_value_cents", "proposed_cents", "scanned_by_siret", "other_claim_ids", "suggestions", "computed_at")
    select s."id", ${procedureId}, s."claim_id", s."identifier", s."status",
      case s."status"
        when 'matched' then 'admit'
        when 'value_mismatch' then 'admit'
        when 'unscanned_known' then case when s."evidence_id" is not null or s."has_evidence" then 'admit' else 'request_documents' end
        when 'already_paid' then 'reject'
        when 'duplicate_declared' then 'hold'
        else 'contest'
      end,
      s."use_date" >= pr."judgment_date", s."use_date", s."amount_cents", s."ledger_value",
      case
        when s."status" in ('matched', 'value_mismatch') or (s."status" = 'unscanned_known' and (s."evidence_id" is not null or s."has_evidence"))
          then s."ledger_value"
        else 0
      end,
      s."scanned_by", s."others", null, now()
    from "statused" s
    cross join (select "judgment_date" from "procedure" where "id" = ${procedureId}) pr
    on conflict ("claim_line_id") do update set
      "status" = excluded."status", "proposal" = excluded."proposal", "after_judgment" = excluded."after_judgment",
      "use_date" = excluded."use_date", "declared_cents" = excluded."declared_cents",
      "ledger_face_value_cents" = excluded."ledger_face_value_cents", "proposed_cents" = excluded."proposed_cents",
      "scanned_by_siret" = excluded."scanned_by_siret", "other_claim_ids" = excluded."other_claim_ids",
      "suggestions" = null, "computed_at" = excluded."computed_at"
  `.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

/** Claims whose lines share an identifier with the given claims, or are held as duplicates of them. */
export async function neighbourClaims(db: Kysely<unknown>, procedureId: string, claimIds: readonly string[]): Promise<string[]> {
  const { rows } = await sql<{ claim_id: string }>`
    select distinct r."claim_id" from "line_reconciliation" r
    where r."procedure_id" = ${procedureId} and not (r."claim_id" = any(${claimIds}::uuid[])) and (
      r."other_claim_ids" && ${claimIds}::uuid[]
      or r."identifier" in (
        select l."identifier" from "claim" c
        join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
        join "claim_line" l on l."version_id" = v."id" and l."kind" = 'pass' and l."identifier" is not null
        where c."id" = any(${claimIds}::uuid[])))
  `.execute(db)
  return rows.map((r) => r.claim_id)
}

/** Removes statuses of lines that left the current versions of these claims (an older version's lines). */
export async function dropStale(db: Kysely<unknown>, procedureId: string, claimIds: readonly string[] | null): Promise<void> {
  await sql`
    delete from "line_reconciliation" r
    using "claim_line" l, "claim_version" v, "claim" c
    where r."claim_line_id" = l."id" and l."version_id" = v."id" and v."claim_id" = c."id"
      and r."procedure_id" = ${procedureId} and v."version" <> c."current_version" and ${scopeFilter(claimIds)}
  `.execute(db)
}
