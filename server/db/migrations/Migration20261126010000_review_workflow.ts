import { Migration } from '@mikro-orm/migrations'

// The liquidator's desk after the line decisions (DOMAIN §3): the claim's review states, the
// claim-level proposal (L624-1), requests for missing documents (Cass. com. 5 June 2012), contestation
// letters with their sending and receipt (L622-27, R624-1; the 30-day clock runs from receipt), the
// creditor's answer, the juge-commissaire's decisions kept apart from the proposals (L624-2), and the
// deposit of the état des créances with its one-month objection window (R624-8).
export class Migration20261126010000_review_workflow extends Migration {
  override up(): void {
    this.addSql(`alter table "claim" drop constraint "claim_status_check";`)
    this.addSql(`
      alter table "claim" add constraint "claim_status_check" check ("status" in ('draft', 'submitted', 'under_review',
        'proposal_made', 'contested', 'answered', 'answer_window_closed', 'decided'));`)
    this.addSql(`
      create table "claim_proposal" (
        "claim_id" uuid primary key references "claim" ("id"),
        "admit_cents" bigint not null check ("admit_cents" >= 0),
        "reject_cents" bigint not null check ("reject_cents" >= 0),
        "refer_cents" bigint not null default 0 check ("refer_cents" >= 0),
        "computed_admit_cents" bigint not null,
        "override_reason" text null,
        "proposed_by" uuid null references "account" ("id"),
        "proposed_at" timestamptz not null,
        check ("admit_cents" = "computed_admit_cents" or "override_reason" is not null)
      );`)
    this.addSql(`
      create table "documents_request" (
        "id" uuid primary key,
        "claim_id" uuid not null references "claim" ("id"),
        "what" text not null,
        "due_on" date not null,
        "requested_by" uuid null references "account" ("id"),
        "requested_at" timestamptz not null,
        "answered_at" timestamptz null
      );`)
    this.addSql(`create index "documents_request_claim_idx" on "documents_request" ("claim_id");`)
    this.addSql(`
      create table "letter_batch" (
        "id" uuid primary key,
        "procedure_id" uuid not null references "procedure" ("id"),
        "claim_ids" uuid[] not null,
        "done" int not null default 0,
        "failed" int not null default 0,
        "failures" jsonb not null default '[]',
        "status" text not null default 'queued' check ("status" in ('queued', 'running', 'done', 'failed')),
        "requested_by" uuid null references "account" ("id"),
        "requested_at" timestamptz not null,
        "finished_at" timestamptz null
      );`)
    this.addSql(`create sequence "contestation_letter_number_seq";`)
    this.addSql(`
      create table "contestation_letter" (
        "id" uuid primary key,
        "claim_id" uuid not null references "claim" ("id"),
        "number" varchar(32) not null unique,
        "batch_id" uuid null references "letter_batch" ("id"),
        "pdf_sha256" char(64) not null,
        "contested_cents" bigint not null check ("contested_cents" >= 0),
        "admit_cents" bigint not null check ("admit_cents" >= 0),
        "lines" int not null,
        "generated_by" uuid null references "account" ("id"),
        "generated_at" timestamptz not null,
        "sent_method" text null check ("sent_method" in ('registered_letter', 'electronic_registered_mail')),
        "sent_reference" varchar(64) null,
        "sent_on" date null,
        "received_on" date null,
        "answer_due_on" date null,
        "superseded_at" timestamptz null,
        check (("sent_method" is null) = ("sent_on" is null)),
        check ("received_on" is null or ("sent_on" is not null and "received_on" >= "sent_on" and "answer_due_on" is not null))
      );`)
    // One letter in force per claim: a new letter (after a new proposal) supersedes the previous one.
    this.addSql(`create unique index "contestation_letter_live" on "contestation_letter" ("claim_id") where "superseded_at" is null;`)
    this.addSql(`
      create table "contestation_answer" (
        "id" uuid primary key,
        "letter_id" uuid not null unique references "contestation_letter" ("id"),
        "claim_id" uuid not null references "claim" ("id"),
        "answer" text not null check ("answer" in ('accept', 'contest')),
        "comment" text null,
        "evidence_ids" uuid[] not null default '{}',
        "answered_by" uuid null references "account" ("id"),
        "answered_at" timestamptz not null,
        check ("answer" = 'accept' or "comment" is not null)
      );`)
    this.addSql(`
      create table "judge_decision" (
        "id" uuid primary key,
        "claim_id" uuid not null references "claim" ("id"),
        "admitted_cents" bigint not null check ("admitted_cents" >= 0),
        "rejected_cents" bigint not null check ("rejected_cents" >= 0),
        "decided_on" date not null,
        "reference" varchar(64) not null,
        "source" text not null check ("source" in ('form', 'spreadsheet')),
        "recorded_by" uuid null references "account" ("id"),
        "recorded_at" timestamptz not null,
        "superseded_at" timestamptz null
      );`)
    this.addSql(`create unique index "judge_decision_live" on "judge_decision" ("claim_id") where "superseded_at" is null;`)
    this.addSql(`
      create table "claims_statement_deposit" (
        "id" uuid primary key,
        "procedure_id" uuid not null references "procedure" ("id"),
        "deposited_on" date not null,
        "published_on" date null,
        "objection_until" date null,
        "recorded_by" uuid null references "account" ("id"),
        "recorded_at" timestamptz not null,
        check (("published_on" is null) = ("objection_until" is null))
      );`)
    // The desk's saved filters, per person: a query string of the queue page under a name.
    this.addSql(`
      create table "saved_filter" (
        "id" uuid primary key,
        "account_id" uuid not null references "account" ("id"),
        "name" varchar(80) not null,
        "query" varchar(1000) not null,
        "created_at" timestamptz not null,
        unique ("account_id", "name")
      );`)
  }

  override down(): void {
    this.addSql(`drop table if exists "saved_filter";`)
    this.addSql(`drop table if exists "claims_statement_deposit";`)
    this.addSql(`drop table if exists "judge_decision";`)
    this.addSql(`drop table if exists "contestation_answer";`)
    this.addSql(`drop table if exists "contestation_letter";`)
    this.addSql(`drop sequence if exists "contestation_letter_number_seq";`)
    this.addSql(`drop table if exists "letter_batch";`)
    this.addSql(`drop table if exists "documents_request";`)
    this.addSql(`drop table if exists "claim_proposal";`)
    this.addSql(`alter table "claim" drop constraint "claim_status_check";`)
    this.addSql(`alter table "claim" add constraint "claim_status_check" check ("status" in ('draft', 'submitted'));`)
  }
}
