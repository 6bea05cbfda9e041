import { Migration } from '@mikro-orm/migrations'

// line_reconciliation partitioned by procedure: reconciling a whole procedure after a ledger load
// now builds a fresh table with CREATE TABLE AS (no index to maintain row by row, parallel where the
// server allows), indexes it once, and swaps it in as the procedure's partition in the same
// transaction. Writing 350 000 rows into the indexed table cost twice the statement itself.
// The primary key includes the partition key, as PostgreSQL requires.
export class Migration20261126030000_reconciliation_partitions extends Migration {
  override up(): void {
    this.addSql(`
      create table "line_reconciliation_p" (
        "claim_line_id" uuid not null,
        "procedure_id" uuid not null,
        "claim_id" uuid not null,
        "identifier" text not null,
        "status" text not null constraint "line_reconciliation_status_check" check ("status" in ('matched', 'unscanned_known', 'scanned_elsewhere', 'already_paid', 'unknown',
          'duplicate_declared', 'expired_at_use', 'value_mismatch')),
        "proposal" text not null constraint "line_reconciliation_proposal_check" check ("proposal" in ('admit', 'request_documents', 'contest', 'reject', 'hold')),
        "after_judgment" boolean null,
        "use_date" date null,
        "declared_cents" bigint not null,
        "ledger_face_value_cents" bigint null,
        "proposed_cents" bigint not null,
        "scanned_by_siret" text null,
        "other_claim_ids" uuid[] null,
        "suggestions" text[] null,
        "computed_at" timestamptz not null default now(),
        constraint "line_reconciliation_p_pkey" primary key ("procedure_id", "claim_line_id")
      ) partition by list ("procedure_id");`)
    this.addSql(`
      do $$ declare p uuid; begin
        for p in select distinct "procedure_id" from "line_reconciliation" loop
          execute format('create table %I partition of "line_reconciliation_p" for values in (%L)', 'line_reconciliation_' || replace(p::text, '-', ''), p);
        end loop;
      end $$;`)
    this.addSql(`insert into "line_reconciliation_p" select * from "line_reconciliation";`)
    this.addSql(`drop table "line_reconciliation";`)
    this.addSql(`alter table "line_reconciliation_p" rename to "line_reconciliation";`)
    this.addSql(`alter index "line_reconciliation_p_pkey" rename to "line_reconciliation_pkey";`)
    this.addSql(`create index "line_reconciliation_claim_idx" on "line_reconciliation" ("claim_id", "status");`)
    this.addSql(`create index "line_reconciliation_identifier_idx" on "line_reconciliation" ("procedure_id", "identifier");`)
  }

  override down(): void {
    this.addSql(`create table "line_reconciliation_flat" (like "line_reconciliation" including defaults including constraints);`)
    this.addSql(`insert into "line_reconciliation_flat" select * from "line_reconciliation";`)
    this.addSql(`drop table "line_reconciliation";`)
    this.addSql(`alter table "line_reconciliation_flat" rename to "line_reconciliation";`)
    this.addSql(`alter table "line_reconciliation" add primary key ("claim_line_id");`)
    this.addSql(`create index "line_reconciliation_claim_idx" on "line_reconciliation" ("claim_id", "status");`)
    this.addSql(`create index "line_reconciliation_identifier_idx" on "line_reconciliation" ("procedure_id", "identifier");`)
  }
}
