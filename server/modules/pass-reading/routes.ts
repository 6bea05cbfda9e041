// Pages of "read passes from scans or photos": upload, progress (polled by a little JS, refreshed
// without it), review (accept, correct, discard; accept all confident ones), crops, cancel.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { PgBoss } from 'pg-boss'
import { DomainError } from '../../errors.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import type { Action } from '../accounts/policy.ts'
import { claimFor, type ClaimContext } from '../claims/access.ts'
import { currentVersion } from '../claims/service.ts'
import { uploadToClaim } from '../claims/upload.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { jobView, jobsView, progressJson } from './present.ts'
import { READABLE_MIMES, acceptConfident, cancelJob, candidateCrop, decideCandidate, findJob, startReading } from './service.ts'

type Options = { files: EvidenceStore; boss: PgBoss; limits: { maxFileBytes: number; maxClaimBytes: number } }
const access = (action: Action) => ({ config: { access: { action } }, schema: { hide: true } })
const BASE = '/structures/:structureId/declaration/lecture'
const params = (request: FastifyRequest) => request.params as { jobId: string; candidateId?: string }

const routes: FastifyPluginAsync<Options> = async (app, { files, boss, limits }) => {
  const listPage = async (request: FastifyRequest, reply: FastifyReply, found: ClaimContext, error?: unknown) => {
    const version = await currentVersion(request.em, found.claim)
    const data = { title: 'Lire des passes depuis des scans ou photos', ...found, draft: version.status === 'draft', jobs: await jobsView(request.em, found.claim.id, found.base) }
    return error ? rerender(reply, error, 'pass-reading/upload', {}, data) : reply.page('pass-reading/upload', { ...data, form: emptyForm() })
  }

  const jobPage = async (request: FastifyRequest, reply: FastifyReply, found: ClaimContext, error?: unknown, values: Record<string, unknown> = {}) => {
    const job = await findJob(request.em, found.claim.id, params(request).jobId)
    const version = await currentVersion(request.em, found.claim)
    const view = await jobView(request.em, job, found.base)
    const data = { title: `Lecture de « ${view.fileName} »`, ...found, ...view, editable: found.canEdit && version.status === 'draft', refreshSeconds: view.running ? 4 : null }
    return error ? rerender(reply, error, 'pass-reading/job', values, data) : reply.page('pass-reading/job', { ...data, form: emptyForm(values) })
  }

  app.get(BASE, access('claim.read'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.read')
    return found ? listPage(request, reply, found) : reply
  })

  app.post(BASE, access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    try {
      const added = await uploadToClaim(request, files, found.claim, {
        limits,
        defaultKind: 'pass_scans',
        check: (file) => {
          if (!(READABLE_MIMES as readonly string[]).includes(file.mime)) {
            throw new DomainError('unsupported', 'not_a_scan', `« ${file.originalName} » est ${file.label} : seuls les images (JPEG, PNG, TIFF, HEIC) et les PDF se lisent.`, [{ path: 'file', message: 'image ou PDF attendu' }])
          }
        },
      })
      const jobs = await request.em.transactional((em) => startReading(em, boss, found.claim, added, auditContext(request)))
      const target = jobs.length === 1 ? `${found.base}/lecture/${jobs[0]?.id}` : `${found.base}/lecture`
      return reply.flash(`${jobs.length} fichier(s) en cours de lecture.`).redirect(target)
    } catch (error) {
      return listPage(request, reply, found, error)
    }
  })

  app.get(`${BASE}/:jobId`, access('claim.read'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.read')
    return found ? jobPage(request, reply, found) : reply
  })

  app.get(`${BASE}/:jobId/etat`, access('claim.read'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.read')
    if (!found) return reply
    const job = await findJob(request.em, found.claim.id, params(request).jobId)
    return reply.header('cache-control', 'no-store').send(await progressJson(request.em, job))
  })

  app.get(`${BASE}/:jobId/extraits/:candidateId`, access('evidence.read'), async (request, reply) => {
    const found = await claimFor(request, reply, 'evidence.read')
    if (!found) return reply
    const job = await findJob(request.em, found.claim.id, params(request).jobId)
    const crop = await candidateCrop(request.em, job.id, params(request).candidateId ?? '')
    return reply.header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').type('image/jpeg').send(crop)
  })

  app.post(`${BASE}/:jobId/annuler`, access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    try {
      await request.em.transactional((em) => cancelJob(em, found.claim, params(request).jobId, auditContext(request)))
      return reply.flash('Lecture arrêtée. Les pass déjà lus restent à confirmer.').redirect(`${found.base}/lecture/${params(request).jobId}`)
    } catch (error) {
      return jobPage(request, reply, found, error)
    }
  })

  app.post(`${BASE}/:jobId/candidats/:candidateId`, access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const { jobId, candidateId = '' } = params(request)
    const action = field(request.body, 'action')
    const identifier = field(request.body, 'identifier')
    try {
      const decided = await request.em.transactional((em) => decideCandidate(em, found.claim, jobId, candidateId, { action, identifier }, auditContext(request)))
      const said = decided.decision === 'discarded' ? `${decided.identifier} écarté.` : `${decided.decidedIdentifier} ajouté à la déclaration.`
      return reply.flash(said).redirect(`${found.base}/lecture/${jobId}#lus`)
    } catch (error) {
      return jobPage(request, reply, found, error, { [`identifier-${candidateId}`]: identifier })
    }
  })

  app.post(`${BASE}/:jobId/accepter-confiants`, access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    const { jobId } = params(request)
    try {
      const { accepted, refused } = await request.em.transactional((em) => acceptConfident(em, found.claim, jobId, auditContext(request)))
      const more = refused.length ? ` ; déjà déclaré(s), laissé(s) à traiter : ${refused.join(', ')}` : ''
      return reply.flash(`${accepted} pass ajouté(s) à la déclaration${more}.`).redirect(`${found.base}/lecture/${jobId}#lus`)
    } catch (error) {
      return jobPage(request, reply, found, error)
    }
  })
}
export default routes
