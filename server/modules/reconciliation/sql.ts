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

const NONE = '00000000-0000-0000-0000-000000000000'

// RECONCILE_TRACE=1 prints where a reconciliation (whole procedure, or one claim) spends its time.
export const trace = process.env.RECONCILE_TRACE ? (label: string, since: number) => console.log(`  [reconcile] ${label} ${(performance.now() - since).toFixed(0)} ms`) : () => {}

/**
 * Runs `work` with these planner settings for the current transaction only (SET LOCAL), then puts
 * the defaults back for what follows in it. On failure the transaction is rolled back, settings
 * with it: nothing to restore.
 */
export async function withPlanner<T>(db: Kysely<unknown>, settings: Readonly<Record<string, string>>, work: () => Promise<T>): Promise<T> {
  for (const [name, value] of Object.entries(settings)) await sql`select set_config(${name}, ${value}, true)`.execute(db)
  const result = await work()
  for (const name of Object.keys(settings)) {
    if (!/^[a-z_]+$/u.test(name)) throw new Error(`planner setting expected: ${name}`)
    await sql.raw(`set local ${name} = default`).execute(db)
  }
  return result
}

/**
 * Statuses of the lines of the given claims (every claim when null), or only of their lines
 * declaring one of `identifiers` when given.
 */
export async function reconcileSql(db: Kysely<unknown>, procedureId: string, versions: LedgerVersions, claimIds: readonly string[] | null, identifiers: readonly string[] | null = null): Promise<number> {
  const whole = claimIds === null
  // Whole procedure: hash joins over the ledger, written by CREATE TABLE AS into a fresh partition.
  // One claim: index probes, and an upsert of its few lines.
  // Hashed once for the whole procedure, an index probe per line for one claim; the fence below
  // keeps it from being evaluated at each use of the status.
  const paid = whole
    ? sql`l."identifier" in (select pm."identifier" from "ledger_payment" pm where pm."version_id" = ${versions.payments ?? NONE}::uuid and pm."identifier" is not null)`
    : sql`exists (select 1 from "ledger_payment" pm where pm."version_id" = ${versions.payments ?? NONE}::uuid and pm."identifier" = l."identifier")`
  const rows = sql`
    with "all_lines" as not materialized (
      select l."id", l."identifier", l."face_value_cents" as "declared", l."amount_cents", l."evidence_id",
             l."service_date", l."scan_date", c."id" as "claim_id", c."structure_id"
      from "claim" c
      join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
      join "claim_line" l on l."version_id" = v."id" and l."kind" = 'pass' and l."identifier" is not null
      where c."procedure_id" = ${procedureId}
    ),
    "lines" as not materialized (
      select l.*, s."siret" from "all_lines" l join "structure" s on s."id" = l."structure_id"
      where ${whole ? sql`true` : sql`l."claim_id" = any(${claimIds}::uuid[])`}
        and ${identifiers === null ? sql`true` : sql`l."identifier" = any(${identifiers}::text[])`}
    ),
    -- A pass line is unique within a version, so an identifier seen twice is in two claims. The
    -- few such identifiers are found first (a hash count), and only their lines sorted.
    "twice" as (
      select a."identifier" from "all_lines" a
      where ${whole ? sql`true` : sql`a."identifier" in (select "identifier" from "lines")`}
      group by a."identifier" having count(*) > 1
    ),
    "declared_twice" as (
      select a."identifier", array_agg(a."claim_id" order by a."claim_id") as "claim_ids"
      from "all_lines" a where a."identifier" in (select "identifier" from "twice")
      group by a."identifier"
    ),
    "evidenced" as (
      select distinct e."claim_id" from "evidence" e
      where e."kind" in ('pass_scans', 'platform_export') and e."removed_at" is null
    ),
    "judged" as (
      select l.*, p."identifier" as "ledger_identifier", p."face_value_cents" as "ledger_value", p."valid_until",
             sc."siret" as "scanned_by", ${paid} as "paid", d."claim_ids" as "others", ev."claim_id" is not null as "has_evidence",
             coalesce(l."service_date", (sc."scanned_at" at time zone 'Europe/Paris')::date, l."scan_date") as "use_date"
      from "lines" l
      left join "ledger_pass" p on p."version_id" = ${versions.passes}::uuid and p."identifier" = l."identifier"
      left join "ledger_scan" sc on sc."version_id" = ${versions.scans ?? NONE}::uuid and sc."identifier" = l."identifier"
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
      end as "status",
      j."evidence_id" is not null or j."has_evidence" as "evidenced"
      from "judged" j
      -- A fence: without it the status's CASE (and every join it reads) is inlined and evaluated
      -- again at each of its uses below.
      offset 0
    )
    -- The columns in the table's order, with its exact types: the whole-procedure path creates the
    -- partition from this select.
    select s."id" as "claim_line_id", ${procedureId}::uuid as "procedure_id", s."claim_id", s."identifier"::text as "identifier", s."status",
      case s."status"
        when 'matched' then 'admit'
        when 'value_mismatch' then 'admit'
        when 'unscanned_known' then case when s."evidenced" then 'admit' else 'request_documents' end
        when 'already_paid' then 'reject'
        when 'duplicate_declared' then 'hold'
        else 'contest'
      end as "proposal",
      s."use_date" >= pr."judgment_date" as "after_judgment", s."use_date", s."amount_cents" as "declared_cents", s."ledger_value" as "ledger_face_value_cents",
      -- Admitted at the ledger's face value, never above what the creditor declared.
      case when s."status" in ('matched', 'value_mismatch') or (s."status" = 'unscanned_known' and s."evidenced")
        then least(s."ledger_value", s."amount_cents") else 0 end as "proposed_cents",
      s."scanned_by"::text as "scanned_by_siret", s."others" as "other_claim_ids", null::text[] as "suggestions", now() as "computed_at"
    from "statused" s
    cross join (select "judgment_date" from "procedure" where "id" = ${procedureId}) pr
  `
  if (whole) return replacePartition(db, procedureId, rows)
  await ensurePartition(db, procedureId)
  const result = await sql`
    insert into "line_reconciliation" ("claim_line_id", "procedure_id", "claim_id", "identifier", "status", "proposal", "after_judgment",
      "use_date", "declared_cents", "ledger_face_value_cents", "proposed_cents", "scanned_by_siret", "other_claim_ids", "suggestions", "computed_at")
    ${rows}
    on conflict ("procedure_id", "claim_line_id") do update set
      -- A line corrected in place keeps its id: its identifier changes with it.
      "identifier" = excluded."identifier", "status" = excluded."status", "proposal" = excluded."proposal", "after_judgment" = excluded."after_judgment",
      "use_date" = excluded."use_date", "declared_cents" = excluded."declared_cents",
      "ledger_face_value_cents" = excluded."ledger_face_value_cents", "proposed_cents" = excluded."proposed_cents",
      "scanned_by_siret" = excluded."scanned_by_siret", "other_claim_ids" = excluded."other_claim_ids",
      "suggestions" = null, "computed_at" = excluded."computed_at"
  `.execute(db)
  return Number(result.numAffectedRows ?? 0)
}

const partitionName = (procedureId: string) => `line_reconciliation_${procedureId.replace(/-/gu, '')}`

/** The procedure's partition, created on first use (a procedure reconciled claim by claim before any load). */
async function ensurePartition(db: Kysely<unknown>, procedureId: string): Promise<void> {
  const name = partitionName(procedureId)
  const { rows } = await sql<{ n: number }>`select count(*)::int as "n" from pg_class where relname = ${name}`.execute(db)
  if (rows[0]?.n) return
  await sql.raw(`create table if not exists "${name}" partition of "line_reconciliation" for values in ('${procedureId}')`).execute(db)
}

/**
 * Whole procedure: CREATE TABLE AS (the bulk path, as fast as a bare join), the parent's NOT NULL
 * and CHECK constraints checked in one pass, the indexes built once, then the old partition
 * detached and dropped and the new one attached — all in the caller's transaction, so a reader
 * sees either the previous statuses or the new ones.
 */
async function replacePartition(db: Kysely<unknown>, procedureId: string, rows: RawBuilder<unknown>): Promise<number> {
  if (!/^[0-9a-f-]{36}$/u.test(procedureId)) throw new Error('procedure id expected')
  const name = partitionName(procedureId)
  // A fresh name each time: the new table's index names stay with it after the rename.
  const next = `lr_next_${crypto.randomUUID().replace(/-/gu, '').slice(0, 16)}`
  let since = performance.now()
  const made = await withPlanner(db, {
    // The planner expects a handful of lines per claim version and probes the ledger's index
    // 350 000 times; one hash of each ledger table is an order of magnitude cheaper.
    enable_nestloop: 'off',
    // The statement reads the whole ledger: worth the other cores, which the default costs keep
    // the planner from for tables of this size (a third faster on two cores).
    parallel_setup_cost: '100',
    parallel_tuple_cost: '0.001',
  }, async () => {
    await sql`create table ${sql.table(next)} as ${rows}`.execute(db)
    trace('  create table as', since)
    since = performance.now()
    // CREATE TABLE AS reports no row count through the driver: count the new table.
    const { rows: [counted] } = await sql<{ n: number }>`select count(*)::int as "n" from ${sql.table(next)}`.execute(db)
    return counted?.n ?? 0
  })
  await sql.raw(`
    alter table "${next}"
      ${['claim_line_id', 'procedure_id', 'claim_id', 'identifier', 'status', 'proposal', 'declared_cents', 'proposed_cents', 'computed_at'].map((c) => `alter column "${c}" set not null`).join(', ')},
      alter column "computed_at" set default now(),
      add constraint "line_reconciliation_status_check" check ("status" in ('matched', 'unscanned_known', 'scanned_elsewhere', 'already_paid', 'unknown', 'duplicate_declared', 'expired_at_use', 'value_mismatch')),
      add constraint "line_reconciliation_proposal_check" check ("proposal" in ('admit', 'request_documents', 'contest', 'reject', 'hold')),
      add constraint "${next}_procedure" check ("procedure_id" = '${procedureId}')`).execute(db)
  trace('  count and constraints', since)
  since = performance.now()
  await sql.raw(`alter table "${next}" add constraint "${next}_pkey" primary key ("procedure_id", "claim_line_id")`).execute(db)
  await sql.raw(`create index "${next}_claim" on "${next}" ("claim_id", "status")`).execute(db)
  await sql.raw(`create index "${next}_identifier" on "${next}" ("procedure_id", "identifier")`).execute(db)
  trace('  indexes', since)
  since = performance.now()
  // CHECK constraints are matched to the parent's by name when the partition is attached.
  const { rows: live } = await sql<{ n: number }>`select count(*)::int as "n" from pg_class where relname = ${name}`.execute(db)
  if (live[0]?.n) {
    await sql.raw(`alter table "line_reconciliation" detach partition "${name}"`).execute(db)
    await sql.raw(`drop table "${name}"`).execute(db)
  }
  await sql.raw(`alter table "${next}" rename to "${name}"`).execute(db)
  await sql.raw(`alter table "line_reconciliation" attach partition "${name}" for values in ('${procedureId}')`).execute(db)
  trace('  swap', since)
  since = performance.now()
  // Statistics now rather than at autovacuum's next pass: until then every edit's reconciliation
  // and the desk's queue were planned blind (an edit took 0.28 s instead of 0.12 s).
  await sql.raw(`analyze "${name}"`).execute(db)
  trace('  analyze', since)
  return made
}

/** The identifiers of a claim's statuses: its lines at the last reconciliation. */
export async function reconciledIdentifiers(db: Kysely<unknown>, procedureId: string, claimId: string): Promise<string[]> {
  const { rows } = await sql<{ identifier: string }>`
    select "identifier" from "line_reconciliation" where "procedure_id" = ${procedureId} and "claim_id" = ${claimId}
  `.execute(db)
  return rows.map((r) => r.identifier)
}

/** The other claims with a line declaring one of these identifiers. */
export async function claimsDeclaring(db: Kysely<unknown>, procedureId: string, identifiers: readonly string[], except: string): Promise<string[]> {
  if (identifiers.length === 0) return []
  const { rows } = await sql<{ claim_id: string }>`
    select distinct "claim_id" from "line_reconciliation"
    where "procedure_id" = ${procedureId} and "identifier" = any(${identifiers}::text[]) and "claim_id" <> ${except}
  `.execute(db)
  return rows.map((r) => r.claim_id)
}

/** Removes statuses of lines that left the current versions of these claims, or were deleted. */
export async function dropStale(db: Kysely<unknown>, procedureId: string, claimIds: readonly string[]): Promise<void> {
  await sql`
    delete from "line_reconciliation" r
    where r."procedure_id" = ${procedureId} and r."claim_id" = any(${claimIds}::uuid[]) and not exists (
      select 1 from "claim_line" l join "claim_version" v on v."id" = l."version_id" join "claim" c on c."id" = v."claim_id"
      where l."id" = r."claim_line_id" and v."version" = c."current_version")
  `.execute(db)
}
