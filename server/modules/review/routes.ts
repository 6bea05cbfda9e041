// The liquidator's exports of the claims (first: the list of declared claims, L624-1).
import type { FastifyPluginAsync } from 'fastify'
import { stringify } from 'csv-stringify/sync'
import { parisDateOf } from '../../lib/calendar.ts'
import { formatDecimal } from '../../lib/money.ts'
import { currentProcedure } from '../claims/service.ts'
import { claimsList } from './claims-list.ts'

const LIST = { config: { access: { action: 'claims.list' } }, schema: { hide: true } } as const

const HEADER = [
  'n° de déclaration', 'créancier', 'SIRET', 'département', 'état', 'version', 'déposée le', 'hors délai', 'pass déclarés',
  'montant déclaré (€)', 'proposé à l’admission (€)', 'contesté ou rejeté (€)', 'en attente (€)', 'nature',
]

const routes: FastifyPluginAsync = async (app) => {
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
