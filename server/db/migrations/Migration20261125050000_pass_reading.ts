import { Migration } from '@mikro-orm/migrations'

// Reading passes from scans and photos (issue 5): a job per uploaded file, its pages, and what
// was read on each page, waiting for a person's decision. A page's results and its status are
// written in one transaction, and (job, page, ordinal) is unique: a job resumed after a crash
// skips the pages already read and can never store a page's results twice.
export class Migration20261125050000_pass_reading extends Migration {
  override up(): void {
    this.addSql(`
      create table "reading_job" (
        "id" uuid primary key,
        "claim_id" uuid not null references "claim" ("id"),
        "evidence_id" uuid not null references "evidence" ("id"),
        "status" text not null default 'queued' check ("status" in ('queued', 'running', 'done', 'failed', 'cancelled')),
        "pages_total" int null check ("pages_total" >= 0),
        "pages_done" int not null default 0 check ("pages_done" >= 0),
        "error" text null,
        "ledger_version_id" uuid null,
        "created_by" uuid null references "account" ("id"),
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        "finished_at" timestamptz null
      );`)
    this.addSql(`create index "reading_job_claim_idx" on "reading_job" ("claim_id", "created_at");`)
    this.addSql(`
      create table "reading_page" (
        "job_id" uuid not null references "reading_job" ("id") on delete cascade,
        "page" int not null check ("page" >= 1),
        "status" text not null default 'pending' check ("status" in ('pending', 'running', 'done', 'failed')),
        "attempts" int not null default 0,
        "error" text null,
        "skew" real null,
        "updated_at" timestamptz not null default now(),
        primary key ("job_id", "page")
      );`)
    this.addSql(`
      create table "reading_candidate" (
        "id" uuid primary key,
        "job_id" uuid not null references "reading_job" ("id") on delete cascade,
        "page" int not null,
        "ordinal" int not null,
        "bbox" jsonb not null,
        "crop" bytea not null,
        "raw_text" text not null,
        "identifier" varchar(64) not null,
        "how" text not null check ("how" in ('code', 'exact', 'corrected', 'unmatched')),
        "confidence" double precision not null check ("confidence" >= 0 and "confidence" <= 1),
        "alternatives" jsonb not null default '[]',
        "note" text not null,
        "in_ledger" boolean null,
        "decision" text not null default 'pending' check ("decision" in ('pending', 'accepted', 'corrected', 'discarded')),
        "decided_identifier" varchar(64) null,
        "claim_line_id" uuid null references "claim_line" ("id") on delete set null,
        "decided_by" uuid null references "account" ("id"),
        "decided_at" timestamptz null,
        unique ("job_id", "page", "ordinal"),
        foreign key ("job_id", "page") references "reading_page" ("job_id", "page") on delete cascade
      );`)
    this.addSql(`create index "reading_candidate_pending_idx" on "reading_candidate" ("job_id", "decision");`)
    // The page of the scanned file a line was read from (its evidence_id names the file).
    this.addSql(`alter table "claim_line" add column "source_page" int null check ("source_page" >= 1);`)
  }

  override down(): void {
    this.addSql(`alter table "claim_line" drop column "source_page";`)
    this.addSql(`drop table if exists "reading_candidate";`)
    this.addSql(`drop table if exists "reading_page";`)
    this.addSql(`drop table if exists "reading_job";`)
  }
}
