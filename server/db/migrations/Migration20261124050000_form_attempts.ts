import { Migration } from '@mikro-orm/migrations'

// Sign-up and password-reset requests per IP, to slow down repeated attempts progressively
// (the login has its own per-account and per-IP counts in login_attempt).
export class Migration20261124050000_form_attempts extends Migration {
  override up(): void {
    this.addSql(`
      create table "form_attempt" (
        "id" bigserial primary key,
        "scope" text not null check ("scope" in ('signup', 'password_reset')),
        "ip" varchar(64) not null,
        "at" timestamptz not null
      );`)
    this.addSql(`create index "form_attempt_ip_idx" on "form_attempt" ("scope", "ip", "at");`)
  }

  override down(): void {
    this.addSql(`drop table if exists "form_attempt";`)
  }
}
