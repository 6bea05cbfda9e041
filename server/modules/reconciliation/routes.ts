// The national dashboard page (liquidator and ministry staff) and its JSON twin.
import type { FastifyPluginAsync } from 'fastify'
import { formatEuros } from '../../lib/money.ts'
import { conversionPermille, type Figures } from '../../lib/programme-tables.ts'
import { currentProcedure } from '../claims/service.ts'
import { dashboard, type ClaimFigures } from './dashboard.ts'
import { STATUS_TEXT } from './present.ts'

const READ = { config: { access: { action: 'dashboard.read' } }, schema: { hide: true } } as const
const count = (n: number) => n.toLocaleString('fr-FR').replace(/\u202f/gu, '\u00a0')
const rate = (scanned: number, bought: number) => {
  const permille = conversionPermille(scanned, bought)
  return permille === null ? '—' : `${(permille / 10).toLocaleString('fr-FR', { minimumFractionDigits: 1 })} %`
}
const figureRow = (label: string, f: Figures) => ({
  label,
  laureates: count(f.laureates),
  potential: count(f.potential),
  bought: count(f.bought),
  scanned: count(f.scanned),
  rate: rate(f.scanned, f.bought),
  beneficiaries: count(f.beneficiaries),
})
const claimRow = (f: ClaimFigures) => ({
  label: f.label,
  declared: count(f.declaredPasses),
  declaredEuros: formatEuros(f.declaredCents),
  proposedEuros: formatEuros(f.proposedCents),
  admitted: count(f.admittedPasses),
  admittedEuros: formatEuros(f.admittedCents),
  contested: count(f.contestedPasses),
  contestedEuros: formatEuros(f.contestedCents),
})

const routes: FastifyPluginAsync = async (app) => {
  app.get('/tableau-de-bord', READ, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const d = await dashboard(request.em, procedure.id)
    const ledger = d.ledger && {
      programmes: d.ledger.programmes.map((p) => ({
        programme: p.programme,
        rows: p.rows.map((r) => figureRow(r.type, r.figures)),
        noData: count(p.noDataPotential),
        total: figureRow(`Total ${p.programme}`, p.total),
        potentialWithNoData: count(p.potentialWithNoData),
      })),
      total: figureRow('Total', d.ledger.total),
      bands: d.ledger.bands.map((b) => ({ type: b.type, cells: Object.entries(b.cells).map(([band, c]) => ({ band, scanned: count(c.scanned), laureates: c.laureates })) })),
      bandTotals: Object.entries(d.ledger.bandTotals).map(([band, c]) => ({ band, scanned: count(c.scanned), laureates: c.laureates })),
      withoutScan: d.ledger.withoutScan,
    }
    return reply.page('dashboard/home', {
      title: 'Tableau de bord national',
      ledger,
      byProgramme: d.byProgramme.map(claimRow),
      byRegion: d.byRegion.map(claimRow),
      byDepartement: d.byDepartement.map(claimRow),
      statuses: d.statuses.map((s) => ({ ...s, label: STATUS_TEXT[s.status as keyof typeof STATUS_TEXT]?.label ?? s.status, lines: count(s.lines), euros: formatEuros(s.cents) })),
    })
  })

  app.get('/api/tableau-de-bord', { config: { access: { action: 'dashboard.read' } } }, async (request) => {
    const procedure = await currentProcedure(request.em)
    return dashboard(request.em, procedure.id)
  })
}

export default routes
