import { Migration } from '@mikro-orm/migrations'

// Bundles for the court and for everyone (issue 7): a ZIP of the whole procedure or a selection of
// claims — claim PDFs, letters, evidence, the list and the état, a manifest with each file's
// SHA-256 — built by a job straight to a file (never in memory), with its progress.
export class Migration20261126050000_court_bundles extends Migration {
  override up(): void {
    this.addSql(`
      create table "court_bundle" (
        "id" uuid primary key,
        "procedure_id" uuid not null references "procedure" ("id"),
        "claim_ids" uuid[] null,
        "status" text not null default 'queued' check ("status" in ('queued', 'running', 'done', 'failed')),
        "files_done" int not null default 0,
        "files_total" int not null default 0,
        "bytes" bigint null,
        "sha256" char(64) null,
        "error" text null,
        "requested_by" uuid null references "account" ("id"),
        "requested_at" timestamptz not null,
        "finished_at" timestamptz null
      );`)
  }

  override down(): void {
    this.addSql(`drop table if exists "court_bundle";`)
  }
}
