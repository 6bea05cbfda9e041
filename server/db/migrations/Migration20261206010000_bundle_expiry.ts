import { Migration } from '@mikro-orm/migrations'

// A court bundle is a copy of files kept elsewhere (the claims' PDFs, the evidence, the lists): its
// ZIP is deleted a week after it was made, and the row says so ('expired') for the page and the audit.
export class Migration20261206010000_bundle_expiry extends Migration {
  override up(): void {
    this.addSql(`alter table "court_bundle" drop constraint "court_bundle_status_check";`)
    this.addSql(`alter table "court_bundle" add constraint "court_bundle_status_check" check ("status" in ('queued', 'running', 'done', 'failed', 'expired'));`)
  }

  override down(): void {
    this.addSql(`update "court_bundle" set "status" = 'failed', "error" = 'dossier expiré' where "status" = 'expired';`)
    this.addSql(`alter table "court_bundle" drop constraint "court_bundle_status_check";`)
    this.addSql(`alter table "court_bundle" add constraint "court_bundle_status_check" check ("status" in ('queued', 'running', 'done', 'failed'));`)
  }
}
