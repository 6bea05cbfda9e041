import { Migration } from '@mikro-orm/migrations'

// L624-2: besides admitting or rejecting, the juge-commissaire may note that a lawsuit is pending or
// that the dispute is not his to decide (then referred to the competent court). That part of the
// claim is neither admitted nor rejected: it is kept apart, so that admitted + rejected + referred
// is always the declared amount.
export class Migration20261126060000_judge_referral extends Migration {
  override up(): void {
    this.addSql(`alter table "judge_decision" add column "referred_cents" bigint not null default 0 check ("referred_cents" >= 0);`)
  }

  override down(): void {
    this.addSql(`alter table "judge_decision" drop column "referred_cents";`)
  }
}
