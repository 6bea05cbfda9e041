// What a structure sees of the reconciliation of its own claim: its passes by status, what each
// status means and what to do about it, and the near matches offered for unknown identifiers.
import type { EntityManager } from '@mikro-orm/postgresql'
import { formatEuros } from '../../lib/money.ts'
import { statusCounts } from './dashboard.ts'
import { STATUS_TEXT } from './present.ts'
import type { ReconciliationStatus } from './service.ts'

export async function claimReconciliation(em: EntityManager, procedureId: string, claimId: string) {
  const counts = await statusCounts(em, procedureId, claimId)
  if (counts.length === 0) return null
  const unknown = await em.execute<{ identifier: string; suggestions: string[] | null }[]>(
    `select "identifier", "suggestions" from "line_reconciliation" where "claim_id" = ? and "status" = 'unknown' order by "identifier" limit 50`,
    [claimId],
  )
  return {
    statuses: counts.map((c) => ({
      status: c.status,
      lines: c.lines,
      euros: formatEuros(c.cents),
      ok: c.status === 'matched',
      ...(STATUS_TEXT[c.status as ReconciliationStatus] ?? { label: c.status, todo: '' }),
    })),
    unknown: unknown.map((u) => ({ identifier: u.identifier, suggestions: (u.suggestions ?? []).join(', ') })),
  }
}
