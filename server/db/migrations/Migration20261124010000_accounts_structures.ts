import { Migration } from '@mikro-orm/migrations'

// Accounts (staff of structures, liquidator, ministry, administrators), their sessions and one-time
// tokens; structures (creditors), their members, join requests and invitations.
export class Migration20261124010000_accounts_structures extends Migration {
  override up(): void {
    this.addSql(`
      create table "account" (
        "id" uuid primary key,
        "email" varchar(254) not null,
        "display_name" varchar(120) null,
        "role" text not null check ("role" in ('structure', 'liquidator', 'ministry', 'admin')),
        "password_hash" text null,
        "email_verified_at" timestamptz null,
        "totp_secret" varchar(64) null,
        "totp_enabled_at" timestamptz null,
        "totp_last_step" bigint null,
        "status" text not null default 'active' check ("status" in ('active', 'closed')),
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null,
        "closed_at" timestamptz null
      );`)
    // One account per address, whatever its case; closed accounts carry a pseudonymous address.
    this.addSql(`create unique index "account_email_unique" on "account" (lower("email"));`)

    this.addSql(`
      create table "session" (
        "id" uuid primary key,
        "token_hash" char(64) not null unique,
        "account_id" uuid not null references "account" ("id") on delete cascade,
        "mfa_verified" boolean not null default false,
        "created_at" timestamptz not null,
        "last_seen_at" timestamptz not null,
        "expires_at" timestamptz not null,
        "revoked_at" timestamptz null,
        "ip" varchar(64) null,
        "user_agent" varchar(255) null
      );`)
    this.addSql(`create index "session_account_idx" on "session" ("account_id") where "revoked_at" is null;`)

    this.addSql(`
      create table "account_token" (
        "id" uuid primary key,
        "account_id" uuid not null references "account" ("id") on delete cascade,
        "purpose" text not null check ("purpose" in ('verify_email', 'reset_password', 'set_password')),
        "token_hash" char(64) not null unique,
        "expires_at" timestamptz not null,
        "used_at" timestamptz null,
        "created_at" timestamptz not null
      );`)

    this.addSql(`
      create table "login_attempt" (
        "id" bigserial primary key,
        "email_key" char(64) not null,
        "ip" varchar(64) not null,
        "succeeded" boolean not null,
        "at" timestamptz not null
      );`)
    this.addSql(`create index "login_attempt_email_idx" on "login_attempt" ("email_key", "at");`)
    this.addSql(`create index "login_attempt_ip_idx" on "login_attempt" ("ip", "at");`)

    this.addSql(`
      create table "structure" (
        "id" uuid primary key,
        "siret" char(14) not null unique check ("siret" ~ '^[0-9]{14}$'),
        "name" varchar(255) not null,
        "commune_code" varchar(5) not null,
        "commune_name" varchar(255) not null,
        "departement_code" varchar(3) not null,
        "region_code" varchar(3) not null,
        "overseas" boolean not null,
        "address" text not null,
        "contact_email" varchar(254) not null,
        "iban" varchar(34) null,
        "bic" varchar(11) null,
        "bank_updated_at" timestamptz null,
        "created_at" timestamptz not null,
        "updated_at" timestamptz not null
      );`)
    this.addSql(`create index "structure_departement_idx" on "structure" ("departement_code");`)

    this.addSql(`
      create table "membership" (
        "id" uuid primary key,
        "structure_id" uuid not null references "structure" ("id") on delete cascade,
        "account_id" uuid not null references "account" ("id") on delete cascade,
        "status" text not null check ("status" in ('active', 'pending', 'rejected', 'ended')),
        "created_at" timestamptz not null,
        "decided_by" uuid null references "account" ("id"),
        "decided_at" timestamptz null,
        unique ("structure_id", "account_id")
      );`)
    this.addSql(`create index "membership_account_idx" on "membership" ("account_id");`)

    this.addSql(`
      create table "invitation" (
        "id" uuid primary key,
        "structure_id" uuid not null references "structure" ("id") on delete cascade,
        "email" varchar(254) not null,
        "token_hash" char(64) not null unique,
        "invited_by" uuid not null references "account" ("id"),
        "expires_at" timestamptz not null,
        "accepted_at" timestamptz null,
        "revoked_at" timestamptz null,
        "created_at" timestamptz not null
      );`)
  }

  override down(): void {
    for (const table of ['invitation', 'membership', 'structure', 'login_attempt', 'account_token', 'session', 'account']) {
      this.addSql(`drop table if exists "${table}" cascade;`)
    }
  }
}
