// Where mail goes: a real SMTP server when SMTP_URL is set, otherwise one .eml file per message
// under var/mail/ (readable by any mail client), so nothing is lost on a machine without SMTP.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import nodemailer from 'nodemailer'

export type OutgoingMail = {
  from: string
  to: string
  subject: string
  html: string
  text: string
  messageId: string
  attachments?: { filename: string; contentType: string; path: string }[]
}

export type MailTransport = {
  kind: 'smtp' | 'files'
  send: (mail: OutgoingMail) => Promise<void>
  /** Where an attachment stored by its SHA-256 is read from. */
  filePath: (sha256: string) => string
  close: () => void
}

export function createMailTransport(options: { smtpUrl?: string | undefined; mailDir: string; filePath: (sha256: string) => string }): MailTransport {
  if (options.smtpUrl) {
    const smtp = nodemailer.createTransport(options.smtpUrl)
    return {
      kind: 'smtp',
      filePath: options.filePath,
      send: async (mail) => {
        await smtp.sendMail(mail)
      },
      close: () => smtp.close(),
    }
  }
  const writer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    kind: 'files',
    filePath: options.filePath,
    send: async (mail) => {
      const info = await writer.sendMail(mail)
      mkdirSync(options.mailDir, { recursive: true })
      // Named by message id: a retried send overwrites the same file instead of duplicating it.
      const name = `${mail.messageId.replace(/[^A-Za-z0-9.@-]/g, '_')}.eml`
      const temporary = join(options.mailDir, `.${name}.tmp`)
      writeFileSync(temporary, info.message as Buffer)
      renameSync(temporary, join(options.mailDir, name))
    },
    close: () => writer.close(),
  }
}
