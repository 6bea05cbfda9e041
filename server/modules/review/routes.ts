// The liquidator's desk: a claim's review and its line decisions; the queue, the workflow and the
// structure's side are registered from here.
import type { FastifyPluginAsync } from 'fastify'
import { currentProcedure } from '../claims/service.ts'
import { claimReview } from './claim-review.ts'
import { decideGroup, decideLines, type Decision } from './decisions.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { field } from '../../routes/forms.ts'
import type { PgBoss } from 'pg-boss'
import type { EvidenceStore } from '../evidence/store.ts'
import type { MailDeps } from '../notifications/service.ts'
import creditorRoutes from './creditor-routes.ts'
import queueRoutes from './queue-routes.ts'
import workflowRoutes, { reviewPage } from './workflow-routes.ts'

const LIST = { config: { access: { action: 'claims.list' } }, schema: { hide: true } } as const

const DECIDE = { config: { access: { action: 'claim.decide' } }, schema: { hide: true } } as const

const routes: FastifyPluginAsync<{ files: EvidenceStore; mail: MailDeps; boss: PgBoss }> = async (app, options) => {
  await app.register(workflowRoutes, options)
  await app.register(creditorRoutes, options)
  await app.register(queueRoutes)

  app.get<{ Params: { claimId: string } }>('/liquidation/declarations/:claimId', DECIDE, (request, reply) => reviewPage(request, reply))

  app.post<{ Params: { claimId: string } }>('/liquidation/declarations/:claimId/decisions', DECIDE, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const review = await claimReview(request.em, procedure.id, request.params.claimId)
    const body = request.body
    const decision = { decision: field(body, 'decision') as Decision, reasonCode: field(body, 'reasonCode') || null, comment: field(body, 'comment') || null }
    try {
      const audit = auditContext(request)
      if (field(body, 'scope') === 'selected') {
        const raw = (body as Record<string, unknown> | undefined)?.lines
        // Each ticked box carries "line id:lock version as displayed" (optimistic locking).
        const lines = (Array.isArray(raw) ? raw : [raw])
          .filter((v): v is string => typeof v === 'string' && /^[0-9a-f-]{36}:\d{1,9}$/u.test(v))
          .map((v) => ({ id: v.slice(0, 36), lock: Number(v.slice(37)) }))
        const n = await request.em.transactional((em) => decideLines(em, { ...decision, claimId: review.claim.id, lines }, audit.actor, audit.requestId))
        reply.flash(`${n} pass décidé(s).`)
      } else {
        const done = await request.em.transactional((em) => decideGroup(em, { ...decision, claimId: review.claim.id, status: field(body, 'status') }, audit.actor, audit.requestId))
        reply.flash(`${done.decided} ligne(s) décidée(s)${done.skipped ? ` ; ${done.skipped} laissée(s) de côté : pass déjà admis dans une autre déclaration` : ''}.`)
      }
      return reply.redirect(`/liquidation/declarations/${review.claim.id}#group-${field(body, 'status')}`, 303)
    } catch (error) {
      return reviewPage(request, reply, error, { status: field(body, 'status') }, 'lignes')
    }
  })

  // The list now lives with the other files for the court, in CSV, XLSX and PDF.
  app.get('/liquidation/liste-des-creances.csv', LIST, async (_request, reply) => reply.redirect('/liquidation/tribunal/liste-des-creances.csv', 301))
}

export default routes
