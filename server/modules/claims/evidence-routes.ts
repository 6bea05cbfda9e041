// The evidence panel of a claim: upload (streamed, type sniffed, size limited), list, download, withdraw.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { formatFrenchDate, parisDateOf } from '../../lib/calendar.ts'
import { DomainError } from '../../errors.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, rerender } from '../../routes/forms.ts'
import { decide, type Action } from '../accounts/policy.ts'
import { formatMegabytes, type EvidenceStore } from '../evidence/store.ts'
import { claimFor } from './access.ts'
import { EVIDENCE_KINDS } from './entities.ts'
import { EVIDENCE_KIND_LABELS, claimEvidenceBytes, findEvidence, listEvidence, withdrawEvidence } from './evidence.ts'
import { uploadToClaim } from './upload.ts'
import { currentVersion } from './service.ts'

type Options = { files: EvidenceStore; limits: { maxFileBytes: number; maxClaimBytes: number } }
const access = (action: Action) => ({ config: { access: { action } }, schema: { hide: true } })

const routes: FastifyPluginAsync<Options> = async (app, { files, limits }) => {
  const audit = auditContext

  const panel = async (request: FastifyRequest, reply: FastifyReply, error?: unknown) => {
    const found = await claimFor(request, reply, 'claim.read')
    if (!found) return reply
    const { structure, claim, base } = found
    const [evidence, used, version] = await Promise.all([listEvidence(request.em, claim.id), claimEvidenceBytes(request.em, claim.id), currentVersion(request.em, claim)])
    const data = {
      title: `Pièces — déclaration ${claim.number}`,
      structure,
      base,
      editable: decide(request.actor, 'claim.edit', { structureId: structure.id }) === 'allow',
      draft: version.status === 'draft',
      kinds: EVIDENCE_KINDS.map((k) => ({ value: k, label: EVIDENCE_KIND_LABELS[k] })),
      evidence: evidence.map((e) => ({
        ...e,
        kindLabel: EVIDENCE_KIND_LABELS[e.kind],
        size: formatMegabytes(e.sizeBytes),
        date: formatFrenchDate(parisDateOf(e.uploadedAt), 'short'),
      })),
      budget: `${formatMegabytes(used)} utilisés sur ${formatMegabytes(limits.maxClaimBytes)} ; ${formatMegabytes(limits.maxFileBytes)} au plus par fichier`,
    }
    return error ? rerender(reply, error, 'claims/evidence', {}, data) : reply.page('claims/evidence', { ...data, form: emptyForm() })
  }

  app.get('/structures/:structureId/declaration/pieces', access('claim.read'), (request, reply) => panel(request, reply))

  app.post('/structures/:structureId/declaration/pieces', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const { claim, base } = found
    try {
      const added = await uploadToClaim(request, files, claim, { limits })
      const names = added.map((e) => e.originalName).join(', ')
      return reply.flash(`Pièce(s) ajoutée(s) : ${names}.`).redirect(`${base}/pieces`)
    } catch (error) {
      return panel(request, reply, error)
    }
  })

  app.get('/structures/:structureId/declaration/pieces/:evidenceId', access('evidence.read'), async (request, reply) => {
    const found = await claimFor(request, reply, 'evidence.read')
    if (!found) return reply
    const row = await findEvidence(request.em, found.claim.id, (request.params as { evidenceId: string }).evidenceId)
    if (!row || !(await files.exists(row.sha256))) throw new DomainError('not_found', 'evidence_not_found', 'Cette pièce est introuvable dans cette déclaration.')
    // Served as a download, never rendered by the browser: uploaded content is not trusted.
    return reply
      .header('content-disposition', `attachment; filename="${encodeURIComponent(row.originalName)}"; filename*=UTF-8''${encodeURIComponent(row.originalName)}`)
      .header('x-content-type-options', 'nosniff')
      .type(row.mime)
      .send(files.open(row.sha256))
  })

  app.post('/structures/:structureId/declaration/pieces/:evidenceId/retirer', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    try {
      await request.em.transactional((em) => withdrawEvidence(em, found.claim, (request.params as { evidenceId: string }).evidenceId, audit(request)))
      return reply.flash('Pièce retirée.').redirect(`${found.base}/pieces`)
    } catch (error) {
      return panel(request, reply, error)
    }
  })

}
export default routes
