// The composition root: everything with a lifetime (database, ORM, job queue, mail transport)
// is created here, in order, and stopped here in reverse order. Routes and services receive
// these as arguments; nothing else opens connections.
import { join } from 'node:path'
import type { MikroORM } from '@mikro-orm/postgresql'
import type { PgBoss } from 'pg-boss'
import type { Config } from './config.ts'
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded.ts'
import { migrate, openOrm } from './db/orm.ts'
import { startBoss } from './jobs/boss.ts'
import { mailQueue, workMail } from './modules/notifications/jobs.ts'
import { createMailTransport, type MailTransport } from './modules/notifications/transport.ts'
import { createTemplateEngine, type TemplateEngine } from './templates/render.ts'
import { createEvidenceStore, type EvidenceStore } from './modules/evidence/store.ts'
import { readingQueue, stopReading, workReading } from './modules/pass-reading/jobs.ts'
import { ledgerQueue, workLedger } from './modules/ledger/jobs.ts'
import { reviewQueues, workReview } from './modules/review/jobs.ts'
import { bundleQueues, workBundles } from './modules/court/bundle-jobs.ts'
import { sealStoredSecrets, setSealingKey } from './db/sealed-text.ts'
import { localSecret } from './local-secret.ts'

export type Runtime = {
  config: Config
  orm: MikroORM
  boss: PgBoss
  templates: TemplateEngine
  mail: MailTransport
  /** Evidence and generated documents, content-addressed under var/evidence. */
  files: EvidenceStore
  databaseUrl: string
  startWorkers: () => Promise<void>
  stop: () => Promise<void>
}

export type Log = (message: string) => void

export async function createRuntime(
  config: Config,
  options: { migrate?: boolean; log?: Log; supervise?: boolean } = {},
): Promise<Runtime> {
  const log = options.log ?? (() => {})
  const stops: Array<() => Promise<void> | void> = []
  const stop = async () => {
    for (const fn of stops.reverse()) {
      try {
        await fn()
      } catch (error) {
        log(`shutdown: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    stops.length = 0
  }
  try {
    let embedded: EmbeddedDatabase | undefined
    let databaseUrl = config.databaseUrl
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres({
        varDir: config.varDir,
        port: config.embeddedPgPort,
        databases: ['creances'],
        log,
      })
      stops.push(() => embedded?.stop())
      databaseUrl = embedded.url('creances')
      log(`embedded PostgreSQL listening on 127.0.0.1:${config.embeddedPgPort}`)
    }
    setSealingKey(localSecret(config.sealingKey, config.varDir, 'sealing.key'), config.previousSealingKey)
    const orm = await openOrm(databaseUrl)
    stops.push(() => orm.close(true))
    if (options.migrate ?? true) {
      const applied = await migrate(orm)
      if (applied.length) log(`migrations applied: ${applied.join(', ')}`)
      const sealed = await sealStoredSecrets(orm.em.fork())
      if (sealed) log(`second-factor seeds sealed with the current key: ${sealed}`)
    }
    const boss = await startBoss(databaseUrl, [mailQueue(config.mailRetry), readingQueue(), ledgerQueue(), ...reviewQueues(), ...bundleQueues()], {
      supervise: options.supervise ?? true,
      onError: (error) => log(`job queue: ${error.message}`),
    })
    // The OCR pool starts on first use (a reading job); it stops after the queue's workers.
    stops.push(() => stopReading())
    stops.push(() => boss.stop({ graceful: true, timeout: 10_000 }))
    const files = createEvidenceStore(join(config.varDir, 'evidence'))
    const mail = createMailTransport({ smtpUrl: config.smtpUrl, mailDir: join(config.varDir, 'mail'), filePath: (sha) => files.path(sha) })
    stops.push(() => mail.close())
    const templates = createTemplateEngine()
    const startWorkers = async () => {
      await workMail(boss, {
        orm,
        transport: mail,
        mailFrom: config.mailFrom,
        pollingIntervalSeconds: config.jobPollingSeconds,
      })
      await workReading(boss, { orm, files, pollingIntervalSeconds: config.jobPollingSeconds })
      await workLedger(boss, { orm, files, databaseUrl: databaseUrl as string, pollingIntervalSeconds: config.jobPollingSeconds })
      await workReview(boss, { orm, files, publicUrl: config.publicUrl, pollingIntervalSeconds: config.jobPollingSeconds })
      await workBundles(boss, { orm, files, varDir: config.varDir, pollingIntervalSeconds: config.jobPollingSeconds })
    }
    return { config, orm, boss, templates, mail, files, databaseUrl, startWorkers, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
