// The court page of the liquidator's desk: the list of declared claims and the état des créances in
// CSV, XLSX and PDF, the juge-commissaire's decisions (per claim and from a spreadsheet), the deposit
// of the état with its objection window, and the bundles.
import { createReadStream, existsSync } from 'node:fs'
import { buffer } from 'node:stream/consumers'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { PgBoss } from 'pg-boss'
import { DomainError } from '../../errors.ts'
import { parseFrenchDate, todayInParis } from '../../lib/calendar.ts'
import { formatEuros, parseEuros } from '../../lib/money.ts'
import { isUuid } from '../../lib/uuid.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { currentProcedure } from '../claims/service.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { receiveEvidence } from '../evidence/upload.ts'
import { claimsList } from '../review/claims-list.ts'
import { reviewPage } from '../review/workflow-routes.ts'
import { bundlePath, bundles, KEEP_BUNDLE_DAYS, queueBundle } from './bundle-jobs.ts'
import { currentDeposit, recordDeposit } from './deposit.ts'
import { renderStatement, STATEMENT_FILES, type StatementFormat, type StatementKind } from './documents.ts'
import { importJudgeDecisions } from './judge-import.ts'
import { recordJudgeDecision } from './judge-decisions.ts'
import { courtSummary } from './summary.ts'

const EXPORT = { config: { access: { action: 'court.export' } }, schema: { hide: true } } as const
const JUDGE = { config: { access: { action: 'judge.record' } }, schema: { hide: true } } as const
const FORMATS: readonly StatementFormat[] = ['csv', 'xlsx', 'pdf']

const routes: FastifyPluginAsync<{ files: EvidenceStore; boss: PgBoss; varDir: string }> = async (app, { files, boss, varDir }) => {
  const page = async (request: FastifyRequest, reply: FastifyReply, error?: unknown, values: Record<string, unknown> = {}) => {
    const procedure = await currentProcedure(request.em)
    const summary = await courtSummary(request.em, procedure.id)
    const data = {
      title: 'Fichiers pour le tribunal',
      exports: (Object.keys(STATEMENT_FILES) as StatementKind[]).map((kind) => ({ title: STATEMENT_FILES[kind].title, links: FORMATS.map((format) => ({ format: format.toUpperCase(), href: `/liquidation/tribunal/${STATEMENT_FILES[kind].file}.${format}` })) })),
      claims: summary.claims,
      decided: summary.decided,
      declared: formatEuros(summary.declaredCents),
      admitted: formatEuros(summary.admittedCents),
      deposit: await currentDeposit(request.em, procedure.id),
      bundles: (await bundles(request.em, procedure.id)).map(presentBundle),
      today: todayInParis(new Date()),
    }
    return error ? rerender(reply, error, 'court/home', values, data) : reply.page('court/home', { ...data, form: emptyForm() })
  }

  app.get('/liquidation/tribunal', EXPORT, (request, reply) => page(request, reply))

  app.get<{ Params: { file: string } }>('/liquidation/tribunal/:file', EXPORT, async (request, reply) => {
    const match = /^([a-z-]+)\.(csv|xlsx|pdf)$/u.exec(request.params.file)
    const kind = (Object.keys(STATEMENT_FILES) as StatementKind[]).find((k) => STATEMENT_FILES[k].file === match?.[1])
    if (!match || !kind) throw new DomainError('not_found', 'file_not_found', 'Ce fichier n’existe pas.')
    const procedure = await currentProcedure(request.em)
    const file = await renderStatement(kind, match[2] as StatementFormat, await claimsList(request.em, procedure.id), { debtor: procedure.debtorName, date: todayInParis(new Date()) })
    return reply.header('content-disposition', `attachment; filename="${file.fileName}"`).header('x-content-type-options', 'nosniff').type(file.contentType).send(file.bytes)
  })

  app.post('/liquidation/tribunal/decisions', JUDGE, async (request, reply) => {
    try {
      const received = await receiveEvidence(request, files, { maxFileBytes: 10 * 1024 * 1024, remainingClaimBytes: 10 * 1024 * 1024, maxClaimBytes: 10 * 1024 * 1024, maxFiles: 1 })
      const file = received.files[0]
      if (!file) throw new DomainError('invalid', 'file_missing', 'Choisissez le tableur des décisions.', [{ path: 'file', message: 'fichier requis' }])
      // The sniffed type decides, never the name.
      const format = file.mime.includes('spreadsheetml') ? 'xlsx' : file.mime === 'text/csv' ? 'csv' : null
      if (!format) throw new DomainError('invalid', 'not_a_spreadsheet', 'Ce fichier n’est pas un tableur CSV ou XLSX.', [{ path: 'file', message: 'CSV ou XLSX attendu' }])
      const procedure = await currentProcedure(request.em)
      const audit = auditContext(request)
      const bytes = new Uint8Array(await buffer(files.open(file.sha256)))
      const done = await request.em.transactional((em) => importJudgeDecisions(em, bytes, format, procedure.id, audit.actor, audit.requestId))
      reply.flash(`${done.recorded} décision(s) du juge-commissaire enregistrée(s).`)
      return reply.redirect('/liquidation/tribunal', 303)
    } catch (error) {
      // The errors (the file's, or its rows') are tied to the file field.
      return page(request, reply, error, { section: 'decisions' })
    }
  })

  app.post('/liquidation/tribunal/depot', EXPORT, async (request, reply) => {
    const input = { depositedOn: field(request.body, 'depositedOn'), publishedOn: field(request.body, 'publishedOn') }
    try {
      const procedure = await currentProcedure(request.em)
      const audit = auditContext(request)
      await request.em.transactional((em) => recordDeposit(em, procedure.id, input, audit.actor, audit.requestId))
      reply.flash('Dépôt de l’état des créances enregistré.')
      return reply.redirect('/liquidation/tribunal', 303)
    } catch (error) {
      return page(request, reply, error, input)
    }
  })

  app.post('/liquidation/tribunal/dossiers', EXPORT, async (request, reply) => {
    const raw = (request.body as Record<string, unknown> | undefined)?.claims
    const ids = raw === undefined ? null : (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string')
    try {
      const procedure = await currentProcedure(request.em)
      const audit = auditContext(request)
      const id = await request.em.transactional((em) => queueBundle(em, boss, procedure.id, ids, audit.actor, audit.requestId))
      return reply.redirect(`/liquidation/tribunal/dossiers/${id}`, 303)
    } catch (error) {
      return page(request, reply, error)
    }
  })

  app.get<{ Params: { id: string } }>('/liquidation/tribunal/dossiers/:id', EXPORT, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const [bundle] = isUuid(request.params.id) ? await bundles(request.em, procedure.id, request.params.id) : []
    if (!bundle) throw new DomainError('not_found', 'bundle_not_found', 'Ce dossier n’existe pas.')
    const shown = presentBundle(bundle)
    if (shown.running) reply.header('refresh', '2')
    return reply.page('court/bundle', { title: 'Dossier pour le tribunal', bundle: shown })
  })

  app.get<{ Params: { id: string } }>('/liquidation/tribunal/dossiers/:id/archive', EXPORT, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const [bundle] = isUuid(request.params.id) ? await bundles(request.em, procedure.id, request.params.id) : []
    const path = bundle ? bundlePath(varDir, bundle.id) : ''
    if (bundle?.status === 'expired') throw new DomainError('not_found', 'bundle_expired', `Ce dossier a été effacé ${KEEP_BUNDLE_DAYS} jours après sa préparation : préparez-le à nouveau.`)
    if (bundle?.status !== 'done' || !existsSync(path)) throw new DomainError('not_found', 'bundle_not_found', 'Ce dossier n’est pas prêt.')
    return reply.header('content-disposition', `attachment; filename="dossier-${bundle.id.slice(0, 8)}.zip"`).type('application/zip').send(createReadStream(path))
  })

  app.post<{ Params: { claimId: string } }>('/liquidation/declarations/:claimId/decision-du-juge', JUDGE, async (request, reply) => {
    const body = request.body
    const values = { admitted: field(body, 'admitted'), rejected: field(body, 'rejected'), referred: field(body, 'referred'), decidedOn: field(body, 'decidedOn'), reference: field(body, 'reference') }
    try {
      if (!isUuid(request.params.claimId)) throw new DomainError('not_found', 'claim_not_found', 'Cette déclaration n’existe pas.')
      const admitted = parseEuros(values.admitted)
      const rejected = parseEuros(values.rejected)
      // Left empty: nothing referred, the usual case.
      const referred = values.referred.trim() === '' ? ({ ok: true, value: 0 } as const) : parseEuros(values.referred)
      const errors = [
        ...(!admitted.ok ? [{ path: 'admitted', message: admitted.error.message }] : []),
        ...(!rejected.ok ? [{ path: 'rejected', message: rejected.error.message }] : []),
        ...(!referred.ok ? [{ path: 'referred', message: referred.error.message }] : []),
      ]
      if (!admitted.ok || !rejected.ok || !referred.ok) throw new DomainError('invalid', 'judge_decision_invalid', 'La décision ne peut pas être enregistrée.', errors)
      // The date field is a date picker (ISO), or typed jj/mm/aaaa where the browser has none.
      const date = parseFrenchDate(values.decidedOn)
      const audit = auditContext(request)
      await request.em.transactional((em) =>
        recordJudgeDecision(em, { claimId: request.params.claimId, admittedCents: admitted.value, rejectedCents: rejected.value, referredCents: referred.value, decidedOn: date.ok ? date.value : values.decidedOn, reference: values.reference, source: 'form' }, audit.actor, audit.requestId),
      )
      reply.flash('Décision du juge-commissaire enregistrée.')
      return reply.redirect(`/liquidation/declarations/${request.params.claimId}#juge`, 303)
    } catch (error) {
      return reviewPage(request, reply, error, values, 'juge')
    }
  })
}

function presentBundle(b: Awaited<ReturnType<typeof bundles>>[number]) {
  const running = b.status === 'queued' || b.status === 'running'
  return {
    ...b,
    running,
    statusLabel: { queued: 'en attente', running: 'en préparation', done: 'prêt', failed: 'échec', expired: `effacé après ${KEEP_BUNDLE_DAYS} jours : préparez-le à nouveau` }[b.status] ?? b.status,
    progress: b.filesTotal ? Math.round((100 * b.filesDone) / b.filesTotal) : 0,
    size: b.bytes === null ? '' : `${(b.bytes / (1024 * 1024)).toFixed(1).replace('.', ',')} Mo`,
    scope: b.claims === null ? 'toute la procédure' : `${b.claims} déclaration(s)`,
    requested: new Date(b.requestedAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' }),
  }
}

export default routes
