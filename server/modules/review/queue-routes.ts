// The queue of claims on the liquidator's desk, with its filters, sorting and saved filters.
import type { FastifyPluginAsync } from 'fastify'
import { DomainError } from '../../errors.ts'
import { todayInParis } from '../../lib/calendar.ts'
import { CLAIM_STATES, CLAIM_STATE_LABELS, isClaimState } from '../../lib/claim-states.ts'
import { formatEuros } from '../../lib/money.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { field } from '../../routes/forms.ts'
import { currentProcedure } from '../claims/service.ts'
import { STATUS_TEXT } from '../reconciliation/present.ts'
import { STATUSES } from '../reconciliation/service.ts'
import { AMOUNT_BANDS, QUEUE_LIMIT, SORTS, claimQueue, type AmountBand, type QueueFilter, type Sort } from './queue.ts'
import { deleteFilter, saveFilter, savedFilters } from './saved-filters.ts'
import { currentDeposit } from '../court/deposit.ts'

const LIST = { config: { access: { action: 'claims.list' } }, schema: { hide: true } } as const
const keyOf = <T extends object>(object: T, value: string | undefined): keyof T | undefined => (value !== undefined && value in object ? (value as keyof T) : undefined)

function queueFilter(query: unknown): QueueFilter {
  const q = (query ?? {}) as Record<string, unknown>
  const text = (name: string, pattern: RegExp) => (typeof q[name] === 'string' && pattern.test(q[name] as string) ? (q[name] as string) : undefined)
  const state = text('etat', /^[a-z_]{4,30}$/u)
  const anomaly = text('statut', /^[a-z_]{3,30}$/u)
  const answer = text('reponse', /^(open|closing)$/u) as QueueFilter['answer']
  return {
    departement: text('departement', /^[0-9AB]{2,3}$/u),
    state: isClaimState(state) ? state : undefined,
    anomaly: STATUSES.find((s) => s === anomaly),
    q: text('q', /^.{1,100}$/u),
    band: keyOf(AMOUNT_BANDS, text('montant', /^[a-z]{3,10}$/u)) as AmountBand | undefined,
    late: q.hors_delai === 'oui',
    presumed: q.presumee === 'oui',
    answer,
    sort: keyOf(SORTS, text('tri', /^[a-z_]{3,15}$/u)) as Sort | undefined,
  }
}

const options = <K extends string>(entries: Record<K, { label: string }>, selected: string | undefined) =>
  Object.entries<{ label: string }>(entries).map(([value, { label }]) => ({ value, label, selected: value === selected }))

const routes: FastifyPluginAsync = async (app) => {
  app.get('/liquidation', LIST, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const filter = queueFilter(request.query)
    const queue = await claimQueue(request.em, procedure.id, filter, todayInParis(new Date()))
    const audit = auditContext(request)
    return reply.page('review/queue', {
      title: 'Déclarations à instruire',
      filter,
      query: new URLSearchParams(request.query as Record<string, string>).toString(),
      saved: audit.actor.id ? await savedFilters(request.em, audit.actor.id) : [],
      deposit: await currentDeposit(request.em, procedure.id),
      total: queue.total,
      limited: queue.total > QUEUE_LIMIT,
      byState: Object.entries(queue.byState).map(([state, n]) => ({ state, label: isClaimState(state) ? CLAIM_STATE_LABELS[state] : state, n })),
      states: CLAIM_STATES.map((value) => ({ value, label: CLAIM_STATE_LABELS[value], selected: value === filter.state })),
      statuses: STATUSES.map((value) => ({ value, label: STATUS_TEXT[value].label, selected: value === filter.anomaly })),
      bands: options(AMOUNT_BANDS, filter.band),
      sorts: options(SORTS, filter.sort ?? 'anomalies'),
      sortLabel: SORTS[filter.sort ?? 'anomalies'].label,
      rows: queue.rows.map((r) => ({
        ...r,
        stateLabel: isClaimState(r.state) ? CLAIM_STATE_LABELS[r.state] : r.state,
        declared: formatEuros(r.declaredCents),
        proposed: formatEuros(r.proposedCents),
      })),
    })
  })

  app.post('/liquidation/filtres', LIST, async (request, reply) => {
    const audit = auditContext(request)
    const query = new URLSearchParams(field(request.body, 'query'))
    try {
      if (audit.actor.id) await request.em.transactional((em) => saveFilter(em, { ...audit.actor, id: audit.actor.id as string }, field(request.body, 'name'), query))
      reply.flash('Filtre enregistré.')
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      reply.flash(error.message)
    }
    return reply.redirect(`/liquidation?${query.toString()}`, 303)
  })

  app.post<{ Params: { filterId: string } }>('/liquidation/filtres/:filterId/supprimer', LIST, async (request, reply) => {
    const audit = auditContext(request)
    if (audit.actor.id) await request.em.transactional((em) => deleteFilter(em, { ...audit.actor, id: audit.actor.id as string }, request.params.filterId))
    reply.flash('Filtre supprimé.')
    return reply.redirect('/liquidation', 303)
  })
}

export default routes
