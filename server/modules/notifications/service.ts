// Notifications: every mail the product sends. A mail is rendered and stored in the transaction
// that causes it and sent later by a job with retries: SMTP down means later, never lost.
import type { EntityManager } from '@mikro-orm/postgresql'
import type { PgBoss } from 'pg-boss'
import { enqueue } from '../../jobs/boss.ts'
import type { TemplateEngine } from '../../templates/render.ts'
import { MailMessage, type MailAttachment, type MailMessageEntity } from './entities.ts'
import type { MailTransport } from './transport.ts'

export const MAIL_QUEUE = 'mail-send'

export type MailDeps = {
  boss: PgBoss
  templates: TemplateEngine
  mailFrom: string
  publicUrl: string
}

export type MailRequest = {
  to: string
  attachments?: MailAttachment[]
  /** A folder under claims-templates/emails/ holding subject.hbs, html.hbs and text.hbs. */
  template: string
  data: Record<string, unknown>
}

function render(templates: TemplateEngine, request: MailRequest) {
  const dir = `emails/${request.template}`
  if (!templates.exists(`${dir}/subject.hbs`)) throw new Error(`unknown mail template: ${request.template}`)
  const subject = templates.render(`${dir}/subject.hbs`, request.data).trim()
  const html = templates.render('emails/layout.html.hbs', {
    subject,
    body: templates.render(`${dir}/html.hbs`, request.data),
  })
  const text = templates.render('emails/layout.txt.hbs', { body: templates.render(`${dir}/text.hbs`, request.data) })
  return { subject, html, text }
}

/** Stores the mail and its sending job in the caller's transaction (call inside em.transactional). */
export async function queueMail(em: EntityManager, deps: MailDeps, request: MailRequest): Promise<MailMessageEntity> {
  const { subject, html, text } = render(deps.templates, request)
  const id = crypto.randomUUID()
  const host = new URL(deps.publicUrl).hostname || 'localhost'
  const mail = em.create(MailMessage, {
    id,
    recipient: request.to,
    subject,
    template: request.template,
    html,
    text,
    messageId: `<${id}@${host}>`,
    attachments: request.attachments ?? [],
  })
  await em.flush()
  await enqueue(deps.boss, em, MAIL_QUEUE, { mailId: id })
  return mail
}

export type SendOutcome = 'sent' | 'already-sent' | 'missing'

/**
 * The job's body. Idempotent: a mail already marked sent is not sent again, so a redelivered
 * job cannot duplicate it. A transport failure is recorded and rethrown for pg-boss to retry.
 */
export async function sendQueuedMail(
  em: EntityManager,
  transport: MailTransport,
  mailFrom: string,
  mailId: string,
  attempt: { isLast: boolean },
): Promise<SendOutcome> {
  const mail = await em.findOne(MailMessage, { id: mailId })
  if (!mail) return 'missing'
  if (mail.status === 'sent') return 'already-sent'
  mail.attempts += 1
  try {
    await transport.send({
      from: mailFrom,
      to: mail.recipient,
      subject: mail.subject,
      html: mail.html,
      text: mail.text,
      messageId: mail.messageId,
      attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, path: transport.filePath(a.sha256) })),
    })
  } catch (error) {
    mail.lastError = error instanceof Error ? error.message : String(error)
    if (attempt.isLast) mail.status = 'failed'
    await em.flush()
    throw error
  }
  mail.status = 'sent'
  mail.sentAt = new Date()
  mail.lastError = null
  await em.flush()
  return 'sent'
}
