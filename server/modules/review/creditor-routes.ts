// The structure's side of a contestation: the letter, the deadline with the days left, and the
// answer form, which locks when the window closes (L622-27).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../../errors.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { decide, type Action } from '../accounts/policy.ts'
import { claimFor } from '../claims/access.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import type { MailDeps } from '../notifications/service.ts'
import { answerContestation } from './answers.ts'
import { creditorReview } from './creditor-view.ts'
import { liveLetter } from './letters.ts'

const access = (action: Action) => ({ config: { access: { action } }, schema: { hide: true } })

const routes: FastifyPluginAsync<{ files: EvidenceStore; mail: MailDeps }> = async (app, { files, mail }) => {
  const page = async (request: FastifyRequest, reply: FastifyReply, error?: unknown, values: Record<string, unknown> = {}) => {
    const found = await claimFor(request, reply, 'claim.read')
    if (!found) return reply
    const review = await creditorReview(request.em, found.claim.id)
    const mayAnswer = decide(request.actor, 'claim.answer', { structureId: found.structure.id }) === 'allow'
    const data = { title: `Instruction de la déclaration ${found.claim.number}`, ...found, review, mayAnswer }
    return error ? rerender(reply, error, 'review/creditor', values, data) : reply.page('review/creditor', { ...data, form: emptyForm() })
  }

  app.get('/structures/:structureId/declaration/contestation', access('claim.read'), (request, reply) => page(request, reply))

  app.post('/structures/:structureId/declaration/contestation', access('claim.answer'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.answer')
    if (!found) return reply
    const input = { claimId: found.claim.id, answer: field(request.body, 'answer'), comment: field(request.body, 'comment') }
    try {
      const audit = auditContext(request)
      await request.em.transactional((em) => answerContestation(em, mail, input, audit.actor, audit.requestId))
      return reply.flash('Réponse envoyée au liquidateur.').redirect(`${found.base}/contestation`, 303)
    } catch (error) {
      return page(request, reply, error, input)
    }
  })

  app.get<{ Params: { letterId: string } }>('/structures/:structureId/declaration/contestation/lettres/:letterId', access('claim.read'), async (request, reply) => {
    const found = await claimFor(request, reply, 'claim.read')
    if (!found) return reply
    const letter = await liveLetter(request.em, found.claim.id)
    // The structure sees a letter once it is sent, never a draft the liquidator may still change.
    if (!letter?.sentOn || letter.id !== request.params.letterId || !(await files.exists(letter.pdfSha256))) throw new DomainError('not_found', 'letter_not_found', 'Aucune lettre de contestation.')
    return reply
      .header('content-disposition', `attachment; filename="contestation-${letter.number}.pdf"`)
      .header('x-content-type-options', 'nosniff')
      .type('application/pdf')
      .send(files.open(letter.pdfSha256))
  })
}

export default routes
