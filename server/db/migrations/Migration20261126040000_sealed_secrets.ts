import { Migration } from '@mikro-orm/migrations'

// TOTP seeds are now stored sealed (AES-256-GCM with a key kept outside the database, see
// db/sealed-text.ts): longer than the seed itself. The start-up seals the seeds already stored.
export class Migration20261126040000_sealed_secrets extends Migration {
  override up(): void {
    this.addSql(`alter table "account" alter column "totp_secret" type text;`)
  }

  override down(): void {
    // Sealed values do not fit back: the seeds must be re-enrolled after a downgrade.
    this.addSql(`update "account" set "totp_secret" = null, "totp_enabled_at" = null where "totp_secret" like 'v1.%';`)
    this.addSql(`alter table "account" alter column "totp_secret" type varchar(64);`)
  }
}
