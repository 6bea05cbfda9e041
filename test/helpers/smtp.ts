// A real SMTP server in the test process that parses what it receives.
import { SMTPServer } from 'smtp-server'
import { simpleParser, type ParsedMail } from 'mailparser'
import { freePort } from './server-process.ts'

export type Received = { to: string; subject: string; text: string; raw: string; parsed: ParsedMail }

export async function startSmtpCapture(t: { teardown: (fn: () => Promise<void>) => void }, port?: number) {
  const inbox: Received[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const parsed = await simpleParser(raw)
        inbox.push({ to: parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '', subject: parsed.subject ?? '', text: parsed.text ?? '', raw, parsed })
        callback()
      })
    },
  })
  const listenPort = port ?? (await freePort())
  await new Promise<void>((ok) => server.listen(listenPort, '127.0.0.1', ok))
  t.teardown(() => new Promise<void>((ok) => server.close(() => ok())))
  /** The first mail to `to` matching `test`, waiting for it to arrive. */
  const waitFor = async (to: string, test: (m: Received) => boolean = () => true, timeoutMs = 20_000): Promise<Received> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = inbox.find((m) => m.to === to && test(m))
      if (found) return found
      if (Date.now() > deadline) throw new Error(`no mail for ${to} within ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return { inbox, port: listenPort, url: `smtp://127.0.0.1:${listenPort}`, waitFor }
}
