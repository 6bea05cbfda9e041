// The court page's headline figures. The full list (review/claims-list.ts) weighs every line's
// decision and reconciliation; the page only needs counts and two sums, so it asks for just those.
import type { EntityManager } from '@mikro-orm/postgresql'

export interface CourtSummary {
  readonly claims: number
  readonly decided: number
  readonly declaredCents: number
  readonly admittedCents: number
}

export async function courtSummary(em: EntityManager, procedureId: string): Promise<CourtSummary> {
  const [row] = await em.execute<{ claims: string; decided: string; declared: string | null; admitted: string | null }[]>(
    `select count(*) as "claims", count(j."id") as "decided", sum(d."declared") as "declared", sum(j."admitted_cents") as "admitted"
     from "claim" c
     join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
     left join lateral (select sum(l."amount_cents") as "declared" from "claim_line" l where l."version_id" = v."id") d on true
     left join "judge_decision" j on j."claim_id" = c."id" and j."superseded_at" is null
     where c."procedure_id" = ?`,
    [procedureId],
  )
  return { claims: Number(row?.claims ?? 0), decided: Number(row?.decided ?? 0), declaredCents: Number(row?.declared ?? 0), admittedCents: Number(row?.admitted ?? 0) }
}
