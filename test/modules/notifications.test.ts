import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { ParsedMail } from 'mailparser'
import { MailMessage } from '../../server/modules/notifications/entities.ts'
import { MAIL_QUEUE, queueMail, type MailDeps } from '../../server/modules/notifications/service.ts'
import { createRuntime, type Runtime } from '../../server/runtime.ts'
import { testConfig } from '../helpers/app.ts'
import { freePort } from '../helpers/server-process.ts'
import { startSmtpCapture } from '../helpers/smtp.ts'

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const depsOf = (rt: Runtime): MailDeps => ({
  boss: rt.boss,
  templates: rt.templates,
  mailFrom: rt.config.mailFrom,
  publicUrl: rt.config.publicUrl,
})

const queueTest = (rt: Runtime, to: string) =>
  rt.orm.em.fork().transactional((em) =>
    queueMail(em, depsOf(rt), { to, template: 'smtp-test', data: { publicUrl: 'http://test', requestedBy: 'tap' } }),
  )

t.test('a mail queued while no SMTP server listens is delivered once one does, and only once', async (t) => {
  const port = await freePort()
  const config = await testConfig(t, {
    SMTP_URL: `smtp://127.0.0.1:${port}`,
    MAIL_RETRY_DELAY_SECONDS: '1',
  })
  const runtime = await createRuntime(config, { supervise: false })
  t.teardown(() => runtime.stop())
  await runtime.startWorkers()

  const mail = await queueTest(runtime, 'structure@example.org')
  const failed = await until('a failed attempt', async () => {
    const row = await runtime.orm.em.fork().findOne(MailMessage, { id: mail.id })
    return row && row.attempts >= 1 ? row : null
  })
  t.equal(failed.status, 'queued', 'still queued after SMTP refused the connection')
  t.match(failed.lastError, /ECONNREFUSED|connect/i)

  const smtp = await startSmtpCapture(t, port)

  const sent = await until('delivery', async () => {
    const row = await runtime.orm.em.fork().findOne(MailMessage, { id: mail.id })
    return row?.status === 'sent' ? row : null
  })
  t.ok(sent.sentAt, 'the send time is recorded')
  t.equal(smtp.inbox.length, 1)
  const parsed = smtp.inbox[0]?.parsed as ParsedMail
  t.equal(parsed.subject, 'Message de test du service de suivi des créances')
  t.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '', 'structure@example.org')
  t.match(parsed.messageId, new RegExp(`^<${mail.id}@`))
  t.match(parsed.text, /peut envoyer des courriels/)
  t.match(String(parsed.html), /<strong>http:\/\/test<\/strong>/)

  // A redelivered job (crash after sending, operator retry) must not send the mail again.
  await runtime.boss.send(MAIL_QUEUE, { mailId: mail.id })
  await new Promise((r) => setTimeout(r, 2500))
  t.equal(smtp.inbox.length, 1, 'never sent twice')
})

t.test('a mail whose use case rolls back leaves neither a message nor a job', async (t) => {
  const config = await testConfig(t)
  const runtime = await createRuntime(config, { supervise: false })
  t.teardown(() => runtime.stop())
  await t.rejects(
    runtime.orm.em.fork().transactional(async (em) => {
      await queueMail(em, depsOf(runtime), { to: 'x@example.org', template: 'smtp-test', data: { publicUrl: 'p', requestedBy: 'r' } })
      throw new Error('the use case fails after queuing its mail')
    }),
    /use case fails/,
  )
  t.equal(await runtime.orm.em.fork().count(MailMessage, {}), 0)
  const jobs = await runtime.boss.findJobs(MAIL_QUEUE)
  t.equal(jobs.length, 0, 'the job vanished with the transaction')
})

t.test('without SMTP_URL each mail is written as an .eml file under var/mail', async (t) => {
  const config = await testConfig(t)
  const runtime = await createRuntime(config, { supervise: false })
  t.teardown(() => runtime.stop())
  await runtime.startWorkers()
  const mail = await queueTest(runtime, 'liquidateur@example.org')
  await until('the mail file', async () => {
    const row = await runtime.orm.em.fork().findOne(MailMessage, { id: mail.id })
    return row?.status === 'sent'
  })
  const dir = join(config.varDir, 'mail')
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml'))
  t.equal(files.length, 1)
  const eml = readFileSync(join(dir, files[0] as string), 'utf8')
  t.match(eml, /To: liquidateur@example.org/)
  t.match(eml, /Content-Type: multipart\/alternative/, 'both an HTML and a text part')
})

t.test('an unknown template is refused before anything is stored', async (t) => {
  const config = await testConfig(t)
  const runtime = await createRuntime(config, { supervise: false })
  t.teardown(() => runtime.stop())
  await t.rejects(
    runtime.orm.em.fork().transactional((em) =>
      queueMail(em, depsOf(runtime), { to: 'x@example.org', template: 'nope', data: {} }),
    ),
    /unknown mail template/,
  )
  t.equal(await runtime.orm.em.fork().count(MailMessage, {}), 0)
})
