// Submitting a claim, downloading each version's PDF, and starting a correction.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../../errors.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import type { Action } from '../accounts/policy.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import type { MailDeps } from '../notifications/service.ts'
import { claimFor } from './access.ts'
import { ClaimVersion } from './entities.ts'
import { presentClaim } from './present.ts'
import { claimView } from './service.ts'
import { SINCERITY_STATEMENT, startNewVersion, submitClaim } from './submit.ts'

type Options = { files: EvidenceStore; mail: MailDeps }
const access = (action: Action) => ({ config: { access: { action } }, schema: { hide: true } })

const routes: FastifyPluginAsync<Options> = async (app, { files, mail }) => {
  const audit = auditContext

  const submitPage = async (request: FastifyRequest, reply: FastifyReply, error?: unknown, values: Record<string, unknown> = {}) => {
    const found = await claimFor(request, reply, 'claim.submit')
    if (!found) return reply
    const view = await claimView(request.em, found.claim)
    const data = {
      title: `Déposer la déclaration ${found.claim.number}`,
      ...found,
      claim: presentClaim(view),
      late: view.deadline?.status === 'late_relief_possible',
      statement: SINCERITY_STATEMENT,
    }
    return error ? rerender(reply, error, 'claims/submit', values, data) : reply.page('claims/submit', { ...data, form: emptyForm() })
  }

  app.get('/structures/:structureId/declaration/depot', access('claim.submit'), (request, reply) => submitPage(request, reply))

  app.post('/structures/:structureId/declaration/depot', access('claim.submit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.submit')
    if (!found) return reply
    const input = {
      signerName: field(request.body, 'signerName'),
      signerCapacity: field(request.body, 'signerCapacity'),
      certify: field(request.body, 'certify') === 'on',
      reliefReason: field(request.body, 'reliefReason'),
    }
    try {
      const outcome = await request.em.transactional((em) => submitClaim(em, { files, mail }, found.claim.id, input, audit(request)))
      const message = outcome.alreadySubmitted
        ? 'Cette version était déjà déposée : rien n’a changé.'
        : 'Déclaration déposée. Un accusé de réception avec le document vient d’être envoyé à chaque membre de la structure.'
      return reply.flash(message).redirect(found.base)
    } catch (error) {
      return submitPage(request, reply, error, input)
    }
  })

  app.get('/structures/:structureId/declaration/versions/:file', access('claim.read'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.read')
    if (!found) return reply
    const match = /^(\d{1,4})\.pdf$/.exec((request.params as { file: string }).file)
    const version = match ? await request.em.findOne(ClaimVersion, { claimId: found.claim.id, version: Number(match[1]) }) : null
    if (!version?.pdfSha256 || !(await files.exists(version.pdfSha256))) {
      throw new DomainError('not_found', 'document_not_found', 'Aucun document pour cette version.')
    }
    return reply
      .header('content-disposition', `attachment; filename="declaration-${found.claim.number}-v${version.version}.pdf"`)
      .header('x-content-type-options', 'nosniff')
      .type('application/pdf')
      .send(files.open(version.pdfSha256))
  })

  app.post('/structures/:structureId/declaration/rectifier', access('claim.edit'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.edit')
    if (!found) return reply
    try {
      const version = await request.em.transactional((em) => startNewVersion(em, found.claim, audit(request)))
      return reply.flash(`Version ${version.version} ouverte : modifiez les lignes puis déposez-la.`).redirect(found.base)
    } catch (error) {
      return submitPage(request, reply, error)
    }
  })
}
export default routes
