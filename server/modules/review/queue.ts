// The liquidator's queue: every claim with what the reconciliation found in it, filtered and
// searched set-based (400 claims and 350 000 lines answer in one query).

import type { EntityManager } from '@mikro-orm/postgresql'
import type { STATUSES } from '../reconciliation/service.ts'
import type { ClaimState } from '../../lib/claim-states.ts'

export interface QueueFilter {
  readonly departement?: string
  readonly state?: ClaimState
  /** Claims holding at least one line of this reconciliation status. */
  readonly anomaly?: (typeof STATUSES)[number]
  /** SIRET, creditor name, claim number or pass identifier. */
  readonly q?: string
}

export interface QueueRow {
  readonly id: string
  readonly structureId: string
  readonly number: string
  readonly creditor: string
  readonly siret: string
  readonly departement: string
  readonly state: string
  readonly passLines: number
  readonly declaredCents: number
  readonly proposedCents: number
  readonly anomalies: number
}

export const QUEUE_LIMIT = 200

export async function claimQueue(em: EntityManager, procedureId: string, filter: QueueFilter): Promise<{ rows: QueueRow[]; total: number; byState: Record<string, number> }> {
  const where: string[] = ['c."procedure_id" = ?']
  const params: unknown[] = [procedureId]
  if (filter.departement) {
    where.push('s."departement_code" = ?')
    params.push(filter.departement)
  }
  if (filter.state) {
    where.push('c."status" = ?')
    params.push(filter.state)
  }
  if (filter.anomaly) {
    where.push(`exists (select 1 from "line_reconciliation" r where r."claim_id" = c."id" and r."status" = ?)`)
    params.push(filter.anomaly)
  }
  const q = filter.q?.trim()
  if (q) {
    const digits = q.replace(/\s/gu, '')
    where.push(`(s."siret" = ? or c."number" ilike ? or s."name" ilike ? or exists (
      select 1 from "line_reconciliation" r where r."procedure_id" = c."procedure_id" and r."claim_id" = c."id" and r."identifier" = upper(?)))`)
    params.push(digits, `%${q}%`, `%${q}%`, digits)
  }
  const rows = await em.execute<{ id: string; structure_id: string; number: string; creditor: string; siret: string; departement: string; state: string; pass_lines: string; declared: string; proposed: string; anomalies: string; total: string }[]>(
    `select c."id", c."structure_id", c."number", s."name" as "creditor", s."siret", s."departement_code" as "departement", c."status" as "state",
            coalesce(a."lines", 0) as "pass_lines", coalesce(a."declared", 0) as "declared", coalesce(a."proposed", 0) as "proposed",
            coalesce(a."anomalies", 0) as "anomalies", count(*) over () as "total"
     from "claim" c join "structure" s on s."id" = c."structure_id"
     left join (
       select "claim_id", count(*) as "lines", sum("declared_cents") as "declared", sum("proposed_cents") as "proposed",
              count(*) filter (where "status" not in ('matched', 'unscanned_known')) as "anomalies"
       from "line_reconciliation" where "procedure_id" = ? group by "claim_id"
     ) a on a."claim_id" = c."id"
     where ${where.join(' and ')}
     order by coalesce(a."anomalies", 0) desc, c."number" limit ${QUEUE_LIMIT}`,
    [procedureId, ...params],
  )
  const states = await em.execute<{ status: string; n: string }[]>(`select "status", count(*) as "n" from "claim" where "procedure_id" = ? group by 1`, [procedureId])
  return {
    total: Number(rows[0]?.total ?? 0),
    byState: Object.fromEntries(states.map((s) => [s.status, Number(s.n)])),
    rows: rows.map((r) => ({
      id: r.id,
      structureId: r.structure_id,
      number: r.number,
      creditor: r.creditor,
      siret: r.siret,
      departement: r.departement,
      state: r.state,
      passLines: Number(r.pass_lines),
      declaredCents: Number(r.declared),
      proposedCents: Number(r.proposed),
      anomalies: Number(r.anomalies),
    })),
  }
}
