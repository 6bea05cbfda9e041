// The liquidator's desk: the queue of claims, and the list of declared claims (L624-1).
import type { FastifyPluginAsync } from 'fastify'
import { stringify } from 'csv-stringify/sync'
import { parisDateOf } from '../../lib/calendar.ts'
import { formatDecimal, formatEuros } from '../../lib/money.ts'
import { currentProcedure } from '../claims/service.ts'
import { STATUS_TEXT } from '../reconciliation/present.ts'
import { STATUSES } from '../reconciliation/service.ts'
import { claimsList } from './claims-list.ts'
import { claimReview } from './claim-review.ts'
import { decideGroup, type Decision } from './decisions.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { QUEUE_LIMIT, claimQueue, type QueueFilter } from './queue.ts'

const LIST = { config: { access: { action: 'claims.list' } }, schema: { hide: true } } as const

const HEADER = [
  'n° de déclaration', 'créancier', 'SIRET', 'département', 'état', 'version', 'déposée le', 'hors délai', 'pass déclarés',
  'montant déclaré (€)', 'proposé à l’admission (€)', 'contesté ou rejeté (€)', 'en attente (€)', 'nature',
]

const STATE_LABELS: Record<string, string> = { draft: 'brouillon', submitted: 'déposée' }

function queueFilter(query: unknown): QueueFilter {
  const q = (query ?? {}) as Record<string, unknown>
  const text = (name: string, pattern: RegExp) => (typeof q[name] === 'string' && pattern.test(q[name] as string) ? (q[name] as string) : undefined)
  const state = text('etat', /^(draft|submitted)$/u) as QueueFilter['state']
  const anomaly = text('statut', /^[a-z_]{3,30}$/u)
  return {
    departement: text('departement', /^[0-9AB]{2,3}$/u),
    state,
    anomaly: STATUSES.find((s) => s === anomaly),
    q: text('q', /^.{1,100}$/u),
  }
}

const DECIDE = { config: { access: { action: 'claim.decide' } }, schema: { hide: true } } as const

const routes: FastifyPluginAsync = async (app) => {
  app.get<{ Params: { claimId: string } }>('/liquidation/declarations/:claimId', DECIDE, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const review = await claimReview(request.em, procedure.id, request.params.claimId)
    return reply.page('review/claim', { title: `Instruction de la déclaration ${review.claim.number}`, ...review, form: emptyForm() })
  })

  app.post<{ Params: { claimId: string } }>('/liquidation/declarations/:claimId/decisions', DECIDE, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const review = await claimReview(request.em, procedure.id, request.params.claimId)
    const body = request.body
    try {
      const audit = auditContext(request)
      const done = await request.em.transactional((em) =>
        decideGroup(
          em,
          {
            claimId: review.claim.id,
            status: field(body, 'status'),
            decision: field(body, 'decision') as Decision,
            reasonCode: field(body, 'reasonCode') || null,
            comment: field(body, 'comment') || null,
          },
          audit.actor,
          audit.requestId,
        ),
      )
      reply.flash(`${done.decided} ligne(s) décidée(s)${done.skipped ? ` ; ${done.skipped} laissée(s) de côté : pass déjà admis dans une autre déclaration` : ''}.`)
      return reply.redirect(`/liquidation/declarations/${review.claim.id}`, 303)
    } catch (error) {
      return rerender(reply, error, 'review/claim', { status: field(body, 'status') }, { title: `Instruction de la déclaration ${review.claim.number}`, ...review })
    }
  })

  app.get('/liquidation', LIST, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const filter = queueFilter(request.query)
    const queue = await claimQueue(request.em, procedure.id, filter)
    return reply.page('review/queue', {
      title: 'Déclarations à instruire',
      filter,
      total: queue.total,
      limited: queue.total > QUEUE_LIMIT,
      byState: Object.entries(queue.byState).map(([state, n]) => ({ label: STATE_LABELS[state] ?? state, n })),
      statuses: STATUSES.map((value) => ({ value, label: STATUS_TEXT[value].label, selected: value === filter.anomaly })),
      rows: queue.rows.map((r) => ({
        ...r,
        stateLabel: STATE_LABELS[r.state] ?? r.state,
        declared: formatEuros(r.declaredCents),
        proposed: formatEuros(r.proposedCents),
      })),
    })
  })

  app.get('/liquidation/liste-des-creances.csv', LIST, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const rows = (await claimsList(request.em, procedure.id)).map((r) => [
      r.number, r.creditor, r.siret, r.departement, r.status === 'submitted' ? 'déposée' : 'brouillon', r.version,
      r.submittedAt ? parisDateOf(r.submittedAt) : '', r.late ? 'oui' : 'non', r.passLines,
      formatDecimal(r.declaredCents), formatDecimal(r.admitCents), formatDecimal(r.contestCents), formatDecimal(r.pendingCents), 'chirographaire',
    ])
    // French spreadsheet conventions: semicolons, decimal commas, and a BOM so that Excel reads UTF-8.
    const csv = '\uFEFF' + stringify([HEADER, ...rows], { delimiter: ';' })
    return reply
      .header('content-disposition', 'attachment; filename="liste-des-creances.csv"')
      .type('text/csv; charset=utf-8')
      .send(csv)
  })
}

export default routes
