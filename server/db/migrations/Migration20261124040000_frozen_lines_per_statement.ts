import { Migration } from '@mikro-orm/migrations'

// Importing 10 000 lines ran the frozen-version check 10 000 times (a third of the insert's time).
// Inserts are now checked once per statement over the inserted rows (a transition table);
// updates and deletes keep the per-row check.
export class Migration20261124040000_frozen_lines_per_statement extends Migration {
  override up(): void {
    this.addSql(`drop trigger "claim_line_frozen" on "claim_line";`)
    this.addSql(`
      create trigger "claim_line_frozen" before update or delete on "claim_line"
      for each row execute function "claim_line_frozen"();`)
    this.addSql(`
      create function "claim_line_frozen_insert"() returns trigger language plpgsql as $$
      begin
        if exists (select 1 from "claim_version" v
                    where v."status" = 'submitted' and v."id" in (select "version_id" from new_rows)) then
          raise exception 'claim version is submitted: its lines are frozen' using errcode = 'check_violation';
        end if;
        return null;
      end $$;`)
    this.addSql(`
      create trigger "claim_line_frozen_insert" after insert on "claim_line"
      referencing new table as new_rows
      for each statement execute function "claim_line_frozen_insert"();`)
  }

  override down(): void {
    this.addSql(`drop trigger "claim_line_frozen_insert" on "claim_line";`)
    this.addSql(`drop function "claim_line_frozen_insert"();`)
    this.addSql(`drop trigger "claim_line_frozen" on "claim_line";`)
    this.addSql(`
      create trigger "claim_line_frozen" before insert or update or delete on "claim_line"
      for each row execute function "claim_line_frozen"();`)
  }
}
