import { Migration } from '@mikro-orm/migrations'

// A line remembers the file it was read from (an imported spreadsheet; later, a scanned page),
// so the evidence supporting each pass is known line by line.
export class Migration20261124030000_line_evidence extends Migration {
  override up(): void {
    this.addSql(`alter table "claim_line" add column "evidence_id" uuid null references "evidence" ("id");`)
    this.addSql(`create index "claim_line_evidence_idx" on "claim_line" ("evidence_id") where "evidence_id" is not null;`)
  }

  override down(): void {
    this.addSql(`alter table "claim_line" drop column "evidence_id";`)
  }
}
