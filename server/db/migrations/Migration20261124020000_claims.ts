import { Migration } from '@mikro-orm/migrations'

// Claims (déclarations de créance): one active claim per structure and procedure, versioned;
// a submitted version and its lines are frozen by the database itself. Evidence files are stored
// content-addressed on disk; the table records who uploaded what for which claim.
export class Migration20261124020000_claims extends Migration {
  override up(): void {
    this.addSql(`
      alter table "procedure"
        add column "identifier_pattern" text not null default '[A-Z0-9]{6,16}',
        add column "identifier_uppercase" boolean not null default true,
        add column "identifier_strip_separators" boolean not null default true,
        add column "identifier_example" varchar(64) not null default 'PN2019A0001234',
        add column "programmes" jsonb not null default '["AAP 2019", "AAP 2020", "autre"]';`)
    this.addSql(`create sequence "claim_number_seq";`)
    this.addSql(`
      create table "claim" (
        "id" uuid primary key,
        "procedure_id" uuid not null references "procedure" ("id"),
        "structure_id" uuid not null references "structure" ("id"),
        "number" varchar(32) not null unique,
        "status" text not null default 'draft' check ("status" in ('draft', 'submitted')),
        "current_version" int not null default 1,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        unique ("procedure_id", "structure_id")
      );`)
    this.addSql(`
      create table "claim_version" (
        "id" uuid primary key,
        "claim_id" uuid not null references "claim" ("id"),
        "version" int not null check ("version" >= 1),
        "kind" text not null check ("kind" in ('initial', 'correction', 'late_supplement')),
        "status" text not null default 'draft' check ("status" in ('draft', 'submitted')),
        "signer_name" varchar(120) null,
        "signer_capacity" varchar(120) null,
        "relief_reason" text null,
        "submitted_at" timestamptz null,
        "submitted_by" uuid null references "account" ("id"),
        "late" boolean not null default false,
        "due_cents" bigint null,
        "to_fall_due_cents" bigint null,
        "pdf_sha256" char(64) null,
        "created_at" timestamptz not null,
        unique ("claim_id", "version"),
        check ("status" = 'draft' or ("submitted_at" is not null and "signer_name" is not null and "pdf_sha256" is not null))
      );`)
    this.addSql(`
      create table "claim_line" (
        "id" uuid primary key,
        "version_id" uuid not null references "claim_version" ("id"),
        "kind" text not null check ("kind" in ('pass', 'subscription', 'invoice')),
        "identifier" varchar(64) null,
        "face_value_cents" bigint null check ("face_value_cents" > 0),
        "face_value_reason" text null,
        "service_date" date null,
        "scan_date" date null,
        "funder" varchar(255) null,
        "after_judgment" boolean null,
        "label" varchar(255) null,
        "invoice_number" varchar(64) null,
        "invoice_date" date null,
        "amount_cents" bigint not null check ("amount_cents" > 0),
        "source" text not null check ("source" in ('typed', 'pasted', 'import', 'ocr', 'copied')),
        "source_row" int null,
        "created_at" timestamptz not null,
        check ("kind" <> 'pass' or ("identifier" is not null and "face_value_cents" is not null))
      );`)
    // One pass appears once in a version; the cross-claim rule (nothing paid twice) comes with reconciliation.
    this.addSql(`create unique index "claim_line_pass_unique" on "claim_line" ("version_id", "identifier") where "kind" = 'pass';`)
    this.addSql(`create index "claim_line_version_idx" on "claim_line" ("version_id", "kind", "created_at");`)
    // Frozen means frozen: lines of a submitted version can be neither changed nor removed nor added.
    this.addSql(`
      create function "claim_line_frozen"() returns trigger language plpgsql as $$
      declare v_status text;
      begin
        select "status" into v_status from "claim_version"
         where "id" = coalesce(new."version_id", old."version_id");
        if v_status = 'submitted' then
          raise exception 'claim version is submitted: its lines are frozen' using errcode = 'check_violation';
        end if;
        return coalesce(new, old);
      end $$;`)
    this.addSql(`
      create trigger "claim_line_frozen" before insert or update or delete on "claim_line"
      for each row execute function "claim_line_frozen"();`)
    this.addSql(`
      create table "evidence" (
        "id" uuid primary key,
        "claim_id" uuid not null references "claim" ("id"),
        "sha256" char(64) not null,
        "size_bytes" bigint not null check ("size_bytes" > 0),
        "mime" varchar(100) not null,
        "kind" text not null check ("kind" in ('pass_scans', 'platform_export', 'invoice', 'bank_statement', 'correspondence', 'other')),
        "original_name" varchar(255) not null,
        "uploaded_by" uuid null references "account" ("id"),
        "uploaded_at" timestamptz not null,
        "removed_at" timestamptz null
      );`)
    this.addSql(`create index "evidence_claim_idx" on "evidence" ("claim_id") where "removed_at" is null;`)
    // Mails may carry files (the claim PDF): referenced by their SHA-256 in the file store.
    this.addSql(`alter table "mail_message" add column "attachments" jsonb not null default '[]';`)
  }

  override down(): void {
    this.addSql(`alter table "mail_message" drop column "attachments";`)
    this.addSql(`drop table if exists "evidence";`)
    this.addSql(`drop table if exists "claim_line";`)
    this.addSql(`drop function if exists "claim_line_frozen"();`)
    this.addSql(`drop table if exists "claim_version";`)
    this.addSql(`drop table if exists "claim";`)
    this.addSql(`drop sequence if exists "claim_number_seq";`)
    this.addSql(`alter table "procedure" drop column "identifier_pattern", drop column "identifier_uppercase", drop column "identifier_strip_separators", drop column "identifier_example", drop column "programmes";`)
  }
}
