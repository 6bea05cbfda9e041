// A ledger load from the page runs as a job: minutes of COPY must not hold an HTTP request. The
// load is idempotent (nothing is visible before its single commit), so a retried job starts over.
import type { MikroORM } from '@mikro-orm/postgresql'
import type { JobWithMetadata, PgBoss } from 'pg-boss'
import type { QueueDefinition } from '../../jobs/boss.ts'
import type { LedgerKind } from '../../lib/ledger-files.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { runLoad } from './service.ts'

export const LEDGER_QUEUE = 'ledger.load'

export function ledgerQueue(): QueueDefinition {
  return { name: LEDGER_QUEUE, retryLimit: 1, retryDelay: 30, expireInSeconds: 3600 }
}

export interface LedgerJob {
  loadId: string
  procedureId: string
  actor: { id: string | null; role: string }
  requestId: string | null
  files: { kind: LedgerKind; name: string; sha256: string; bytes: number }[]
}

export async function workLedger(boss: PgBoss, deps: { orm: MikroORM; files: EvidenceStore; databaseUrl: string; pollingIntervalSeconds: number }): Promise<string> {
  return boss.work(LEDGER_QUEUE, { includeMetadata: true, pollingIntervalSeconds: deps.pollingIntervalSeconds }, async (jobs: JobWithMetadata<LedgerJob>[]) => {
    for (const { data } of jobs) {
      await runLoad(deps.orm.em.fork(), deps.databaseUrl, {
        procedureId: data.procedureId,
        loadId: data.loadId,
        actor: data.actor,
        requestId: data.requestId,
        files: data.files.map((f) => ({ kind: f.kind, name: f.name, bytes: f.bytes, path: deps.files.path(f.sha256) })),
      })
    }
  })
}
