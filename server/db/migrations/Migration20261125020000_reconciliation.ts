import { Migration } from '@mikro-orm/migrations'

// What each declared pass is against the ledger (DOMAIN §5), and the liquidator's decision on it.
// line_reconciliation is derived data, rewritten whole after each ledger load: it has no foreign
// keys (their per-row checks tripled the cost of writing 350 000 rows); the reconciliation removes
// the rows of lines that are gone. The decision table carries the invariant "nothing is paid twice": one identifier can be admitted
// in at most one live line of a procedure, enforced by a unique index, not only by code.
export class Migration20261125020000_reconciliation extends Migration {
  override up(): void {
    this.addSql(`create index "claim_line_identifier_idx" on "claim_line" ("identifier") where "identifier" is not null;`)
    this.addSql(`
      create table "line_reconciliation" (
        "claim_line_id" uuid primary key,
        "procedure_id" uuid not null,
        "claim_id" uuid not null,
        "identifier" text not null,
        "status" text not null check ("status" in ('matched', 'unscanned_known', 'scanned_elsewhere', 'already_paid', 'unknown',
          'duplicate_declared', 'expired_at_use', 'value_mismatch')),
        "proposal" text not null check ("proposal" in ('admit', 'request_documents', 'contest', 'reject', 'hold')),
        "after_judgment" boolean null,
        "use_date" date null,
        "declared_cents" bigint not null,
        "ledger_face_value_cents" bigint null,
        "proposed_cents" bigint not null,
        "scanned_by_siret" text null,
        "other_claim_ids" uuid[] null,
        "suggestions" text[] null,
        "computed_at" timestamptz not null default now()
      );`)
    this.addSql(`create index "line_reconciliation_claim_idx" on "line_reconciliation" ("claim_id", "status");`)
    this.addSql(`create index "line_reconciliation_identifier_idx" on "line_reconciliation" ("procedure_id", "identifier");`)
    this.addSql(`
      create table "line_decision" (
        "claim_line_id" uuid primary key references "claim_line" ("id"),
        "procedure_id" uuid not null references "procedure" ("id"),
        "claim_id" uuid not null references "claim" ("id"),
        "identifier" text null,
        "decision" text not null check ("decision" in ('admit', 'reject', 'contest')),
        "admitted_cents" bigint not null default 0 check ("admitted_cents" >= 0),
        "reason_code" text null,
        "comment" text null,
        "decided_by" uuid null,
        "decided_at" timestamptz not null,
        "superseded_at" timestamptz null,
        "lock_version" int not null default 1
      );`)
    this.addSql(`
      create unique index "line_decision_admitted_once" on "line_decision" ("procedure_id", "identifier")
        where "decision" = 'admit' and "identifier" is not null and "superseded_at" is null;`)
    this.addSql(`create index "line_decision_claim_idx" on "line_decision" ("claim_id");`)
  }

  override down(): void {
    this.addSql(`drop table if exists "line_decision";`)
    this.addSql(`drop table if exists "line_reconciliation";`)
    this.addSql(`drop index if exists "claim_line_identifier_idx";`)
  }
}
