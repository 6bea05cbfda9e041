import { defineEntity, p, type InferEntity } from '@mikro-orm/core'

export type MailAttachment = { filename: string; sha256: string; contentType: string }

export const MAIL_STATUSES = ['queued', 'sent', 'failed'] as const

/**
 * The outbox: a mail is rendered and stored in the transaction that causes it, then sent by a job.
 * Keeping the rendered content makes every retry send exactly the same message.
 */
export const MailMessage = defineEntity({
  name: 'MailMessage',
  tableName: 'mail_message',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    recipient: p.string(),
    subject: p.string(),
    template: p.string(),
    html: p.text(),
    text: p.text(),
    status: p.enum(MAIL_STATUSES).default('queued'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    messageId: p.string().unique(),
    /** Files from the content-addressed store, attached when the mail is sent. */
    attachments: p.json<MailAttachment[]>().default([] as never),
    queuedAt: p.datetime().onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
})
export type MailMessageEntity = InferEntity<typeof MailMessage>
