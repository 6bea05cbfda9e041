// Which ledger version of each kind is current for a procedure: the one question other modules
// (reconciliation, dashboard, pass reading) ask the ledger.
import type { EntityManager } from '@mikro-orm/postgresql'
import type { LedgerKind } from '../../lib/ledger-files.ts'

export type CurrentVersions = Readonly<Partial<Record<LedgerKind, string>>>

export async function currentVersionIds(em: EntityManager, procedureId: string): Promise<CurrentVersions> {
  const rows = await em.execute<{ kind: LedgerKind; id: string }[]>(
    `select "kind", "id" from "ledger_version" where "procedure_id" = ? and "status" = 'current'`,
    [procedureId],
  )
  return Object.fromEntries(rows.map((r) => [r.kind, r.id]))
}
