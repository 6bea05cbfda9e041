// The liquidator's actions on one claim after the line decisions, and letters in bulk. Each route
// parses its form, calls one service in one transaction, and comes back to the claim page.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { PgBoss } from 'pg-boss'
import { DomainError } from '../../errors.ts'
import { parseEuros } from '../../lib/money.ts'
import { isUuid } from '../../lib/uuid.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { currentProcedure } from '../claims/service.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import type { MailDeps } from '../notifications/service.ts'
import { claimReview } from './claim-review.ts'
import { requestDocuments } from './documents-request.ts'
import { letterBatch, queueLetterBatch } from './letter-batch.ts'
import { findLetter, generateLetter, recordReceipt, recordSending } from './letters.ts'
import { applyDefaultProposals, makeProposal } from './proposal.ts'
import { claimWorkflow } from './workflow-view.ts'

type Options = { files: EvidenceStore; mail: MailDeps; boss: PgBoss }
const DECIDE = { config: { access: { action: 'claim.decide' } }, schema: { hide: true } } as const
type ClaimRequest = FastifyRequest<{ Params: { claimId: string } }>

/** The claim review page, with the workflow sections; `section` tells which form an error belongs to. */
export async function reviewPage(request: ClaimRequest, reply: FastifyReply, error?: unknown, values: Record<string, unknown> = {}, section = ''): Promise<FastifyReply> {
  const procedure = await currentProcedure(request.em)
  const review = await claimReview(request.em, procedure.id, request.params.claimId)
  const workflow = await claimWorkflow(request.em, review.claim.id)
  const data = { title: `Instruction de la déclaration ${review.claim.number}`, ...review, workflow, section }
  return error ? rerender(reply, error, 'review/claim', values, data) : reply.page('review/claim', { ...data, form: emptyForm() })
}

const routes: FastifyPluginAsync<Options> = async (app, { files, mail, boss }) => {
  /** Runs one use case for the claim in the URL, then back to its page with a message or the error. */
  const act = (section: string, run: (request: ClaimRequest, claimId: string) => Promise<string>) => async (request: ClaimRequest, reply: FastifyReply) => {
    const claimId = request.params.claimId
    if (!isUuid(claimId)) throw new DomainError('not_found', 'claim_not_found', 'Cette déclaration n’existe pas.')
    try {
      const message = await run(request, claimId)
      reply.flash(message)
      return reply.redirect(`/liquidation/declarations/${claimId}#${section}`, 303)
    } catch (error) {
      return reviewPage(request, reply, error, (request.body ?? {}) as Record<string, unknown>, section)
    }
  }

  app.post('/liquidation/declarations/:claimId/defauts', DECIDE, act('proposition', async (request, claimId) => {
    const audit = auditContext(request)
    const n = await request.em.transactional((em) => applyDefaultProposals(em, claimId, audit.actor, audit.requestId))
    return `${n} ligne(s) décidée(s) selon la proposition par défaut.`
  }))

  app.post('/liquidation/declarations/:claimId/proposition', DECIDE, act('proposition', async (request, claimId) => {
    const body = request.body
    const raw = field(body, 'admit').trim()
    const amount = raw ? parseEuros(raw) : null
    if (amount && !amount.ok) throw new DomainError('invalid', 'admit_invalid', 'Montant illisible.', [{ path: 'admit', message: amount.error.message }])
    const audit = auditContext(request)
    await request.em.transactional((em) =>
      makeProposal(em, { claimId, admitCents: amount?.ok ? amount.value : null, overrideReason: field(body, 'overrideReason'), refer: field(body, 'refer') === 'on' }, audit.actor, audit.requestId),
    )
    return 'Proposition enregistrée.'
  }))

  app.post('/liquidation/declarations/:claimId/pieces', DECIDE, act('pieces', async (request, claimId) => {
    const audit = auditContext(request)
    await request.em.transactional((em) => requestDocuments(em, mail, { claimId, what: field(request.body, 'what'), dueOn: field(request.body, 'dueOn') }, audit.actor, audit.requestId))
    return 'Demande de pièces envoyée à la structure.'
  }))

  app.post('/liquidation/declarations/:claimId/lettre', DECIDE, act('lettre', async (request, claimId) => {
    const audit = auditContext(request)
    const letter = await request.em.transactional((em) => generateLetter(em, { files, publicUrl: mail.publicUrl }, claimId, audit.actor, { requestId: audit.requestId }))
    return `Lettre ${letter.number} générée : vérifiez-la, envoyez-la, puis enregistrez l’envoi.`
  }))

  app.post('/liquidation/declarations/:claimId/lettre/envoi', DECIDE, act('lettre', async (request) => {
    const body = request.body
    const audit = auditContext(request)
    await request.em.transactional((em) =>
      recordSending(em, mail, { letterId: field(body, 'letterId'), method: field(body, 'method'), reference: field(body, 'reference'), sentOn: field(body, 'sentOn') }, audit.actor, audit.requestId),
    )
    return 'Envoi enregistré ; la structure a reçu la lettre par courriel.'
  }))

  app.post('/liquidation/declarations/:claimId/lettre/reception', DECIDE, act('lettre', async (request) => {
    const audit = auditContext(request)
    const due = await request.em.transactional((em) => recordReceipt(em, mail, { letterId: field(request.body, 'letterId'), receivedOn: field(request.body, 'receivedOn') }, audit.actor, audit.requestId))
    return `Réception enregistrée : la structure peut répondre jusqu’au ${due.split('-').reverse().join('/')}.`
  }))

  app.get<{ Params: { claimId: string; letterId: string } }>('/liquidation/declarations/:claimId/lettres/:letterId', DECIDE, async (request, reply) => {
    const letter = isUuid(request.params.letterId) ? await findLetter(request.em, request.params.letterId) : null
    if (!letter || letter.claimId !== request.params.claimId || !(await files.exists(letter.pdfSha256))) throw new DomainError('not_found', 'letter_not_found', 'Cette lettre n’existe pas.')
    return reply.header('content-disposition', `inline; filename="contestation-${letter.number}.pdf"`).type('application/pdf').send(files.open(letter.pdfSha256))
  })

  app.post('/liquidation/courriers', DECIDE, async (request, reply) => {
    const raw = (request.body as Record<string, unknown> | undefined)?.claims
    const ids = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string')
    const procedure = await currentProcedure(request.em)
    const audit = auditContext(request)
    try {
      const id = await request.em.transactional((em) => queueLetterBatch(em, boss, procedure.id, ids, audit.actor, audit.requestId))
      return reply.redirect(`/liquidation/courriers/${id}`, 303)
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      reply.flash(error.message)
      return reply.redirect('/liquidation', 303)
    }
  })

  app.get<{ Params: { batchId: string } }>('/liquidation/courriers/:batchId', DECIDE, async (request, reply) => {
    const batch = await letterBatch(request.em, request.params.batchId)
    const running = batch.status === 'queued' || batch.status === 'running'
    if (running) reply.header('refresh', '2')
    return reply.page('review/letter-batch', { title: 'Lettres de contestation en lot', batch, running, progress: batch.total ? Math.round((100 * (batch.done + batch.failed)) / batch.total) : 100 })
  })
}

export default routes
