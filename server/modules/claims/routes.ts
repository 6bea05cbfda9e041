// Pages of a claim: its home (status, countdown, totals, next step) and its lines.
import { claimReconciliation } from '../reconciliation/claim-view.ts'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { formatFrenchDate } from '../../lib/calendar.ts'
import { formatDecimal, formatEuros } from '../../lib/money.ts'
import { DomainError } from '../../errors.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { decide, type Action } from '../accounts/policy.ts'
import { structureFor } from '../structures/access.ts'
import { claimBase, claimFor } from './access.ts'
import { ClaimLine, Evidence } from './entities.ts'
import { presentClaim } from './present.ts'
import { addOtherLine, addPassLine, addPastedList, updatePassLine, claimView, currentVersion, deleteLine, findClaim, openClaim } from './service.ts'
import { isUuid } from '../../lib/uuid.ts'

const PAGE_SIZE = 50
const SOURCE_LABELS = { typed: 'saisi', pasted: 'liste collée', import: 'import', ocr: 'lecture de scan', copied: 'version précédente' } as const
const access = (action: Action) => ({ config: { access: { action } }, schema: { hide: true } })

const routes: FastifyPluginAsync = async (app) => {
  const audit = auditContext
  const base = claimBase

  app.get('/structures/:structureId/declaration', access('claim.read'), async (request, reply) => {
    const structure = await structureFor(request, reply, 'claim.read')
    if (!structure) return reply
    const claim = await findClaim(request.em, structure.id)
    const canEdit = decide(request.actor, 'claim.edit', { structureId: structure.id }) === 'allow'
    if (!claim) return reply.page('claims/start', { title: 'Ma déclaration de créance', structure, canEdit })
    const view = await claimView(request.em, claim)
    const reconciliation = await claimReconciliation(request.em, claim.procedureId, claim.id)
    return reply.page('claims/home', { title: `Déclaration ${claim.number}`, structure, claim: presentClaim(view), reconciliation, canEdit, base: base(structure.id) })
  })

  app.post('/structures/:structureId/declaration', access('claim.edit'), async (request, reply) => {
    const structure = await structureFor(request, reply, 'claim.edit')
    if (!structure) return reply
    await request.em.transactional((em) => openClaim(em, structure.id, audit(request)))
    return reply.redirect(base(structure.id))
  })

  const linesPage = async (request: FastifyRequest, reply: FastifyReply, error?: unknown, values: Record<string, unknown> = {}) => {
    const found = await claimFor(request, reply, 'claim.read')
    if (!found) return reply
    const { structure, claim, canEdit } = found
    const version = await currentVersion(request.em, claim)
    const query = request.query as Record<string, string | undefined>
    const q = (query.q ?? '').trim().toUpperCase().slice(0, 64)
    const page = Math.max(1, Number(query.page) || 1)
    const where = { versionId: version.id, ...(q ? { identifier: { $like: `%${q.replace(/[%_\\]/g, '')}%` } } : {}) }
    const [lines, total] = await request.em.findAndCount(ClaimLine, where, { orderBy: { createdAt: 'desc', id: 'asc' }, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE })
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE))
    const sourceIds = [...new Set(lines.map((l) => l.evidenceId).filter((id): id is string => Boolean(id)))]
    const sources = new Map((await request.em.find(Evidence, { id: { $in: sourceIds } })).map((e) => [e.id, e]))
    const data = {
      title: `Lignes — déclaration ${claim.number}`,
      structure,
      base: base(structure.id),
      editable: canEdit && version.status === 'draft',
      lines: lines.map((l) => ({
        ...l,
        amount: formatEuros(l.amountCents),
        sourceLabel: SOURCE_LABELS[l.source],
        sourceFile: l.evidenceId ? sources.get(l.evidenceId) ?? null : null,
        kindLabel: l.kind === 'pass' ? 'pass' : l.kind === 'invoice' ? `facture ${l.invoiceNumber ?? ''}` : 'abonnement',
        serviceDateLabel: (l.serviceDate ?? l.invoiceDate) ? formatFrenchDate((l.serviceDate ?? l.invoiceDate) as string, 'short') : '—',
      })),
      total,
      q,
      pager: { page, pages, prev: page > 1 ? page - 1 : null, next: page < pages ? page + 1 : null },
    }
    return error ? rerender(reply, error, 'claims/lines', values, data) : reply.page('claims/lines', { ...data, form: emptyForm() })
  }

  app.get('/structures/:structureId/declaration/lignes', access('claim.read'), (request, reply) => linesPage(request, reply))

  app.post('/structures/:structureId/declaration/lignes', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const values = Object.fromEntries(['identifier', 'faceValue', 'faceValueReason', 'serviceDate', 'scanDate', 'funder'].map((k) => [k, field(request.body, k)]))
    try {
      await request.em.transactional((em) => addPassLine(em, found.claim, values as { identifier: string }, audit(request)))
      return reply.flash(`Pass ${values.identifier} ajouté.`).redirect(`${base(found.structure.id)}/lignes`)
    } catch (error) {
      return linesPage(request, reply, error, values)
    }
  })

  app.post('/structures/:structureId/declaration/autres', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const values = { kind: field(request.body, 'otherKind'), label: field(request.body, 'label'), invoiceNumber: field(request.body, 'invoiceNumber'), invoiceDate: field(request.body, 'invoiceDate'), amount: field(request.body, 'amount') }
    try {
      await request.em.transactional((em) => addOtherLine(em, found.claim, values, audit(request)))
      return reply.flash('Ligne ajoutée.').redirect(`${base(found.structure.id)}/lignes`)
    } catch (error) {
      return linesPage(request, reply, error, { ...values, otherKind: values.kind })
    }
  })

  app.post('/structures/:structureId/declaration/liste', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const list = field(request.body, 'list')
    try {
      const count = await request.em.transactional((em) => addPastedList(em, found.claim, list, audit(request)))
      return reply.flash(`${count} pass ajouté(s).`).redirect(`${base(found.structure.id)}/lignes`)
    } catch (error) {
      return linesPage(request, reply, error, { list })
    }
  })

  const editPage = async (request: FastifyRequest, reply: FastifyReply, error?: unknown, values?: Record<string, unknown>) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const version = await currentVersion(request.em, found.claim)
    const { lineId } = request.params as { lineId: string }
    const line = isUuid(lineId) ? await request.em.findOne(ClaimLine, { id: lineId, versionId: version.id, kind: 'pass' }) : null
    if (!line || version.status !== 'draft') throw new DomainError('not_found', 'line_not_found', 'Cette ligne n’existe pas dans la version en cours.')
    const current = {
      identifier: line.identifier,
      serviceDate: line.serviceDate ? formatFrenchDate(line.serviceDate, 'short') : '',
      scanDate: line.scanDate ? formatFrenchDate(line.scanDate, 'short') : '',
      funder: line.funder ?? '',
      faceValue: formatDecimal(line.amountCents),
      faceValueReason: line.faceValueReason ?? '',
    }
    const data = { title: `Modifier ${line.identifier}`, base: base(found.structure.id), line }
    return error ? rerender(reply, error, 'claims/line-edit', values ?? current, data) : reply.page('claims/line-edit', { ...data, form: emptyForm(current) })
  }

  app.get('/structures/:structureId/declaration/lignes/:lineId/modifier', access('claim.edit'), (request, reply) => editPage(request, reply))

  app.post('/structures/:structureId/declaration/lignes/:lineId/modifier', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const values = Object.fromEntries(['identifier', 'faceValue', 'faceValueReason', 'serviceDate', 'scanDate', 'funder'].map((k) => [k, field(request.body, k)]))
    try {
      await request.em.transactional((em) => updatePassLine(em, found.claim, (request.params as { lineId: string }).lineId, values as { identifier: string }, audit(request)))
      return reply.flash(`Pass ${values.identifier} modifié.`).redirect(`${base(found.structure.id)}/lignes`)
    } catch (error) {
      return editPage(request, reply, error, values)
    }
  })

  app.post('/structures/:structureId/declaration/lignes/:lineId/supprimer', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const { lineId } = request.params as { lineId: string }
    try {
      await request.em.transactional((em) => deleteLine(em, found.claim, lineId, audit(request)))
      return reply.flash('Ligne supprimée.').redirect(`${base(found.structure.id)}/lignes`)
    } catch (error) {
      return linesPage(request, reply, error)
    }
  })
}
export default routes
