// The liquidator's ledger page: what is loaded, the loads with their progress and refusal
// reports, and the form to send new extracts (run as a job; the page refreshes itself).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { PgBoss } from 'pg-boss'
import { DomainError } from '../../errors.ts'
import { enqueue } from '../../jobs/boss.ts'
import { LEDGER_FILES, type LedgerKind } from '../../lib/ledger-files.ts'
import { isUuid } from '../../lib/uuid.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, rerender } from '../../routes/forms.ts'
import { recordAudit } from '../audit/service.ts'
import { currentProcedure } from '../claims/service.ts'
import { receiveEvidence } from '../evidence/upload.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { LEDGER_QUEUE, type LedgerJob } from './jobs.ts'
import { currentVersions, identifyFiles, queueLoad } from './service.ts'

const LOAD = { config: { access: { action: 'ledger.load' } }, schema: { hide: true } } as const
const MAX_LEDGER_FILE = 1024 * 1024 * 1024

type LoadRow = { id: string; status: string; files: { kind: LedgerKind; name: string; bytes: number }[]; progress: Record<string, unknown>; report: unknown; error: string | null; created_at: Date; finished_at: Date | null }

const STATUS_LABELS: Record<string, string> = { queued: 'en attente', running: 'en cours', loaded: 'chargé', refused: 'refusé', failed: 'échec' }

function present(row: LoadRow) {
  const progress = row.progress as { kind?: LedgerKind; phase?: string; bytesDone?: number; bytesTotal?: number }
  return {
    ...row,
    statusLabel: STATUS_LABELS[row.status] ?? row.status,
    active: row.status === 'queued' || row.status === 'running',
    files: row.files.map((f) => ({ ...f, label: LEDGER_FILES[f.kind]?.label ?? f.kind })),
    percent: progress.bytesTotal ? Math.round((100 * (progress.bytesDone ?? 0)) / progress.bytesTotal) : null,
    progressLabel: progress.kind ? `${LEDGER_FILES[progress.kind].label} : ${progress.phase === 'copy' ? 'copie' : progress.phase === 'check' ? 'vérifications' : progress.phase === 'index' ? 'indexation' : 'terminé'}` : null,
  }
}

const routes: FastifyPluginAsync<{ files: EvidenceStore; boss: PgBoss }> = async (app, { files, boss }) => {
  const page = async (request: FastifyRequest) => {
    const procedure = await currentProcedure(request.em)
    const loads = await request.em.execute<LoadRow[]>(
      `select "id", "status", "files", "progress", "report", "error", "created_at", "finished_at" from "ledger_load" where "procedure_id" = ? order by "created_at" desc limit 20`,
      [procedure.id],
    )
    return { title: 'Grand livre de l’opérateur', versions: await currentVersions(request.em, procedure.id), loads: loads.map(present), kinds: Object.values(LEDGER_FILES) }
  }

  app.get('/grand-livre', LOAD, async (request, reply) => reply.page('ledger/home', { ...(await page(request)), form: emptyForm() }))

  app.post('/grand-livre', LOAD, async (request, reply) => {
    try {
      const received = await receiveEvidence(request, files, { maxFileBytes: MAX_LEDGER_FILE, remainingClaimBytes: 5 * MAX_LEDGER_FILE, maxClaimBytes: 5 * MAX_LEDGER_FILE, maxFiles: 5 })
      const identified = await identifyFiles(received.files.map((f) => ({ path: files.path(f.sha256), name: f.originalName })))
      const audit = auditContext(request)
      const loadId = await request.em.transactional(async (em) => {
        const procedure = await currentProcedure(em)
        const id = await queueLoad(em, procedure.id, identified, audit.actor, 'queued')
        const job: LedgerJob = {
          loadId: id,
          procedureId: procedure.id,
          actor: audit.actor,
          requestId: audit.requestId,
          files: identified.map((f, i) => ({ kind: f.kind, name: f.name, bytes: f.bytes, sha256: received.files[i]?.sha256 ?? '' })),
        }
        await enqueue(boss, em, LEDGER_QUEUE, job)
        await recordAudit(em, { ...audit, action: 'ledger.load_queued', entityType: 'ledger_load', entityId: id, after: { files: job.files } })
        return id
      })
      return reply.redirect(`/grand-livre/chargements/${loadId}`, 303)
    } catch (error) {
      return rerender(reply, error, 'ledger/home', {}, await page(request))
    }
  })

  app.get<{ Params: { id: string } }>('/grand-livre/chargements/:id', LOAD, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const [row] = isUuid(request.params.id)
      ? await request.em.execute<LoadRow[]>(
          `select "id", "status", "files", "progress", "report", "error", "created_at", "finished_at" from "ledger_load" where "id" = ? and "procedure_id" = ?`,
          [request.params.id, procedure.id],
        )
      : []
    if (!row) throw new DomainError('not_found', 'ledger_load_not_found', 'Ce chargement n’existe pas.')
    const load = present(row)
    if (load.active) reply.header('refresh', '2')
    return reply.page('ledger/load', { title: 'Chargement du grand livre', load, reports: row.report ?? [] })
  })
}

export default routes
