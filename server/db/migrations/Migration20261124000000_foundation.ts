import { Migration } from '@mikro-orm/migrations'

// Foundation: the procedure, the mail outbox and the append-only audit trail.
export class Migration20261124000000_foundation extends Migration {
  override up(): void {
    this.addSql(`
      create table "procedure" (
        "id" uuid primary key,
        "code" varchar(255) not null unique,
        "debtor_name" varchar(255) not null,
        "debtor_siren" char(9) not null check ("debtor_siren" ~ '^[0-9]{9}$'),
        "debtor_address" text not null,
        "court" varchar(255) null,
        "judgment_date" date not null,
        "bodacc_publication_date" date null check ("bodacc_publication_date" >= "judgment_date"),
        "liquidator_name" varchar(255) null,
        "liquidator_address" text null,
        "liquidator_email" varchar(255) null,
        "face_value_cents" bigint not null check ("face_value_cents" > 0),
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`)
    this.addSql(`
      create table "mail_message" (
        "id" uuid primary key,
        "recipient" varchar(255) not null,
        "subject" varchar(255) not null,
        "template" varchar(255) not null,
        "html" text not null,
        "text" text not null,
        "status" text not null default 'queued' check ("status" in ('queued', 'sent', 'failed')),
        "attempts" int not null default 0,
        "last_error" text null,
        "message_id" varchar(255) not null unique,
        "queued_at" timestamptz not null,
        "sent_at" timestamptz null
      );`)
    this.addSql(`create index "mail_message_status_idx" on "mail_message" ("status", "queued_at");`)
    this.addSql(`
      create table "audit_event" (
        "id" bigserial primary key,
        "occurred_at" timestamptz not null,
        "actor_id" varchar(255) null,
        "actor_role" varchar(255) not null,
        "action" varchar(255) not null,
        "entity_type" varchar(255) not null,
        "entity_id" varchar(255) not null,
        "before" jsonb null,
        "after" jsonb null,
        "request_id" varchar(255) null,
        "prev_hash" char(64) not null,
        "hash" char(64) not null unique
      );`)
    this.addSql(`create index "audit_event_entity_idx" on "audit_event" ("entity_type", "entity_id", "id");`)
    // Append-only at the database level: whatever the application does, history cannot be rewritten.
    this.addSql(`
      create function "audit_event_append_only"() returns trigger language plpgsql as $$
      begin
        raise exception 'audit_event is append-only (% refused)', tg_op using errcode = 'insufficient_privilege';
      end $$;`)
    this.addSql(`
      create trigger "audit_event_no_update_delete" before update or delete on "audit_event"
      for each row execute function "audit_event_append_only"();`)
    this.addSql(`
      create trigger "audit_event_no_truncate" before truncate on "audit_event"
      for each statement execute function "audit_event_append_only"();`)
  }

  override down(): void {
    this.addSql(`drop table if exists "audit_event";`)
    this.addSql(`drop function if exists "audit_event_append_only"();`)
    this.addSql(`drop table if exists "mail_message";`)
    this.addSql(`drop table if exists "procedure";`)
  }
}
