// A page that takes too long: stopped at the time limit, tried once more, then shown as failed
// with its own French reason, while the job still ends (and the other pages are read). A job the
// queue gives up on ends failed too.
import { mkdirSync, rmSync } from 'node:fs'
import { Readable } from 'node:stream'
import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
import { SYSTEM_ACTOR } from '../../server/modules/audit/service.ts'
import { Evidence } from '../../server/modules/claims/entities.ts'
import { openClaim } from '../../server/modules/claims/service.ts'
import { Procedure } from '../../server/modules/procedure/entities.ts'
import { ReadingJob } from '../../server/modules/pass-reading/entities.ts'
import { handleReadingJobs } from '../../server/modules/pass-reading/jobs.ts'
import { startReading } from '../../server/modules/pass-reading/service.ts'
import { MAX_PAGE_ATTEMPTS, runReadingJob } from '../../server/modules/pass-reading/work.ts'
import { makeStructure } from '../helpers/accounts.ts'
import { buildTestApp } from '../helpers/app.ts'
import { PASS_RULE, passScan } from '../helpers/pass-images.ts'

const { runtime } = await buildTestApp(t)
const orm = runtime.orm
await seedDemo(orm)
await orm.em.fork().nativeUpdate(Procedure, {}, PASS_RULE)
const { structure } = await makeStructure(orm, { siret: '35600000000048', name: 'Point numérique', members: ['eva@point.example'] })
const audit = { actor: SYSTEM_ACTOR, requestId: null }

/** A scan of one pass stored as the claim's evidence, and its reading job (queued, but no worker runs here: each test runs the job itself). */
async function queuedReading(seed: number, name: string): Promise<{ jobId: string; sha256: string }> {
  const em = orm.em.fork()
  const claim = await em.transactional((tx) => openClaim(tx, structure.id, audit))
  const stored = await runtime.files.put(Readable.from([(await passScan(seed, 1)).jpeg]), { maxBytes: 10_000_000 })
  const evidence = em.create(Evidence, { claimId: claim.id, sha256: stored.sha256, sizeBytes: stored.sizeBytes, mime: stored.mime, kind: 'pass_scans', originalName: name })
  await em.flush()
  const [job] = await em.transactional((tx) => startReading(tx, runtime.boss, claim, [evidence], audit))
  return { jobId: job?.id as string, sha256: stored.sha256 }
}

t.test('a page out of time is tried again, then failed with the reason, and the job ends', async (t) => {
  const { jobId } = await queuedReading(5, 'lente.jpg')
  const started = performance.now()
  await runReadingJob({ orm, files: runtime.files, pageTimeoutMs: 1 }, jobId)
  t.ok(performance.now() - started < 30_000, 'the job does not wait for the page to finish')
  const done = await orm.em.fork().findOneOrFail(ReadingJob, { id: jobId })
  t.equal(done.status, 'failed', 'its only page failed')
  t.match(done.error, /trop de temps/, `the job says why: ${done.error}`)
  const [page] = await orm.em.fork().getConnection().execute<{ status: string; attempts: number; error: string }[]>(`select "status", "attempts", "error" from "reading_page" where "job_id" = ?`, [done.id])
  t.equal(page?.status, 'failed')
  t.equal(page?.attempts, MAX_PAGE_ATTEMPTS, 'tried again before giving up')
  t.match(page?.error, /trop de temps, deux fois/, 'the page shows its own reason, in French')
})

t.test('a job the queue gives up on is shown failed, with advice, rather than "en cours" for ever', async (t) => {
  const { jobId, sha256 } = await queuedReading(6, 'abimee.jpg')
  // The stored file turned into a folder: every attempt fails with a system error, not a domain one.
  const path = runtime.files.path(sha256)
  rmSync(path)
  mkdirSync(path)
  t.teardown(() => rmSync(path, { recursive: true, force: true }))
  const handle = handleReadingJobs({ orm, files: runtime.files })
  const attempt = (retryCount: number) => ({ id: 'q', name: 'pass-reading', data: { jobId }, retryCount, retryLimit: 3 }) as never
  await t.rejects(handle([attempt(0)]), /EISDIR/, 'an attempt that fails goes back to the queue')
  t.equal((await orm.em.fork().findOneOrFail(ReadingJob, { id: jobId })).status, 'running', 'not the last attempt: still running')
  await t.rejects(handle([attempt(3)]), /EISDIR/)
  const failed = await orm.em.fork().findOneOrFail(ReadingJob, { id: jobId })
  t.equal(failed.status, 'failed', 'after the last attempt the job is failed')
  t.match(failed.error, /a échoué plusieurs fois/, 'with advice in French')
  const [event] = await orm.em.fork().getConnection().execute<{ after: { cause: string } }[]>(
    `select "after" from "audit_event" where "action" = 'pass_reading.failed' and "after"->>'jobId' = ?`, [failed.id])
  t.match(event?.after.cause, /EISDIR/, 'the cause is kept in the audit trail')
})
