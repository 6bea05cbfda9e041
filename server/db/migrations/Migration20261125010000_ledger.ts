import { Migration } from '@mikro-orm/migrations'

// The operator's ledger (DOMAIN §4), loaded from its CSV extracts. Each file kind is versioned on
// its own: a load COPYs into a fresh table and checks it with set-based SQL, then one transaction
// attaches it as a partition and marks its version current, so a refused or killed load leaves the
// previous version answering (modules/ledger/load.ts). Partition per version: attaching costs no copy.
export class Migration20261125010000_ledger extends Migration {
  override up(): void {
    this.addSql(`
      create table "ledger_load" (
        "id" uuid primary key,
        "procedure_id" uuid not null references "procedure" ("id"),
        "status" text not null check ("status" in ('queued', 'running', 'loaded', 'refused', 'failed')),
        "files" jsonb not null,
        "progress" jsonb not null default '{}',
        "report" jsonb null,
        "error" text null,
        "created_by" uuid null,
        "created_at" timestamptz not null default now(),
        "finished_at" timestamptz null
      );`)
    this.addSql(`
      create table "ledger_version" (
        "id" uuid primary key,
        "procedure_id" uuid not null references "procedure" ("id"),
        "kind" text not null check ("kind" in ('commanditaires', 'passes', 'scans', 'payments', 'creditors')),
        "status" text not null check ("status" in ('current', 'superseded')),
        "load_id" uuid null references "ledger_load" ("id"),
        "file_name" text not null,
        "file_sha256" char(64) not null,
        "rows" int not null,
        "loaded_at" timestamptz not null default now()
      );`)
    this.addSql(`create unique index "ledger_version_current_idx" on "ledger_version" ("procedure_id", "kind") where "status" = 'current';`)

    this.addSql(`
      create table "ledger_commanditaire" (
        "version_id" uuid not null,
        "id" text not null,
        "name" text not null,
        "type" text null,
        "departement_code" text null,
        "programme" text not null,
        "potential_passes" int not null
      ) partition by list ("version_id");`)
    this.addSql(`create unique index "ledger_commanditaire_key" on "ledger_commanditaire" ("version_id", "id", "programme");`)
    this.addSql(`
      create table "ledger_pass" (
        "version_id" uuid not null,
        "identifier" text not null,
        "carnet_id" text not null,
        "commanditaire_id" text not null,
        "programme" text not null,
        "issue_date" date not null,
        "face_value_cents" bigint not null,
        "valid_until" date not null,
        "carnet_state" text not null
      ) partition by list ("version_id");`)
    this.addSql(`create unique index "ledger_pass_key" on "ledger_pass" ("version_id", "identifier");`)
    this.addSql(`
      create table "ledger_scan" (
        "version_id" uuid not null,
        "identifier" text not null,
        "siret" text not null,
        "scanned_at" timestamptz not null
      ) partition by list ("version_id");`)
    this.addSql(`create unique index "ledger_scan_key" on "ledger_scan" ("version_id", "identifier");`)
    this.addSql(`
      create table "ledger_payment" (
        "version_id" uuid not null,
        "identifier" text null,
        "siret" text not null,
        "amount_cents" bigint not null,
        "paid_at" date not null,
        "reference" text not null
      ) partition by list ("version_id");`)
    this.addSql(`create index "ledger_payment_identifier" on "ledger_payment" ("version_id", "identifier");`)
    this.addSql(`
      create table "ledger_creditor" (
        "version_id" uuid not null,
        "siret" text not null,
        "amount_cents" bigint not null
      ) partition by list ("version_id");`)
    this.addSql(`create unique index "ledger_creditor_key" on "ledger_creditor" ("version_id", "siret");`)
  }

  override down(): void {
    for (const table of ['ledger_creditor', 'ledger_payment', 'ledger_scan', 'ledger_pass', 'ledger_commanditaire', 'ledger_version', 'ledger_load']) {
      this.addSql(`drop table if exists "${table}" cascade;`)
    }
  }
}
