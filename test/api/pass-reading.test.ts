// Reading passes from scans: upload, background reading with progress, a person's confirmation
// (accept, correct, discard, all confident ones), lines marked as read from the file and page;
// garbage files end with a French reason and the server stays up; a crashed job resumes without
// duplicates; a cancelled job stops. Real PostgreSQL, real pg-boss worker, real OCR.
import { Readable } from 'node:stream'
import t from 'tap'
import { seedDemo } from '../../fixtures/demo.ts'
import { SYSTEM_ACTOR } from '../../server/modules/audit/service.ts'
import { AuditEvent } from '../../server/modules/audit/entities.ts'
import { ClaimLine, Evidence, Claim } from '../../server/modules/claims/entities.ts'
import { Procedure } from '../../server/modules/procedure/entities.ts'
import { ReadingCandidate, ReadingJob } from '../../server/modules/pass-reading/entities.ts'
import { startReading } from '../../server/modules/pass-reading/service.ts'
import { runReadingJob } from '../../server/modules/pass-reading/work.ts'
import { buildTestApp } from '../helpers/app.ts'
import { client } from '../helpers/client.ts'
import { STRONG_PASSWORD, makeStructure } from '../helpers/accounts.ts'
import { PASS_RULE, noiseJpeg, passScan, pixelBombPng, textOnlyPdf, truncatedJpeg } from '../helpers/pass-images.ts'

const { app, runtime } = await buildTestApp(t)
const orm = runtime.orm
await seedDemo(orm)
await orm.em.fork().nativeUpdate(Procedure, {}, PASS_RULE)
const { structure } = await makeStructure(orm, { siret: '35600000000048', name: 'Point numérique', members: ['eva@point.example'] })
const { structure: other } = await makeStructure(orm, { siret: '55210055400013', name: 'Ailleurs', members: ['paul@ailleurs.example'] })
await runtime.startWorkers()
const eva = client(app)
await eva.post('/connexion', { email: 'eva@point.example', password: STRONG_PASSWORD }, { from: '/connexion' })
const base = `/structures/${structure.id}/declaration`
await eva.post(base, {}, { from: base })

type State = { status: string; pagesTotal: number | null; pagesDone: number; error: string | null; candidates: number; pages: { status: string; error: string | null }[] }

async function settled(jobUrl: string): Promise<State> {
  for (;;) {
    const res = await eva.get(`${jobUrl}/etat`)
    const state = res.json() as State
    if (!['queued', 'running'].includes(state.status)) return state
    await new Promise((r) => setTimeout(r, 300))
  }
}

async function upload(name: string, content: Buffer): Promise<string> {
  await eva.get(`${base}/lecture`)
  const res = await eva.upload(`${base}/lecture`, {}, [{ filename: name, content }])
  if (res.statusCode !== 302) throw new Error(`upload refused (${res.statusCode}): ${res.body.slice(0, 300)}`)
  return String(res.headers.location)
}

t.test('a photo of two passes is read, shown with crops, and only confirmed passes become lines', async (t) => {
  const claimHome = await eva.get(base)
  t.match(claimHome.body, /Lire des passes depuis des scans ou photos/, 'the claim page links to reading')
  const scan = await passScan(11, 2, { qr: false })
  const jobUrl = await upload('deux-pass.jpg', scan.jpeg)
  const state = await settled(jobUrl)
  t.equal(state.status, 'done', `read (${state.error ?? 'no error'})`)
  t.same([state.pagesTotal, state.pagesDone], [1, 1])
  const em = orm.em.fork()
  const job = await em.findOneOrFail(ReadingJob, { id: jobUrl.split('/').pop() as string })
  const candidates = await em.find(ReadingCandidate, { jobId: job.id }, { orderBy: { ordinal: 'asc' } })
  t.same(candidates.map((c) => c.identifier).sort(), scan.truth.map((p) => p.identifier).sort(), 'both passes found, separately')
  t.equal(await em.count(ClaimLine, {}), 0, 'nothing is added before a person confirms')

  const page = await eva.get(jobUrl)
  t.equal(page.statusCode, 200)
  for (const c of candidates) t.match(page.body, new RegExp(`<img src="[^"]+/extraits/${c.id}" alt="[^"]*${c.identifier}`), 'each reading beside its crop')
  const crop = await eva.get(`${jobUrl}/extraits/${candidates[0]?.id}`)
  t.equal(crop.headers['content-type'], 'image/jpeg')
  t.same([...crop.rawPayload.subarray(0, 2)], [0xff, 0xd8], 'a JPEG crop')

  const [first, second] = candidates as [typeof candidates[number], typeof candidates[number]]
  const accepted = await eva.post(`${jobUrl}/candidats/${first.id}`, { action: 'accept', identifier: first.identifier })
  t.equal(accepted.statusCode, 302)
  const typo = await eva.post(`${jobUrl}/candidats/${second.id}`, { action: 'correct', identifier: 'PN19-?' }, { from: jobUrl })
  t.equal(typo.statusCode, 400, 'a corrected number is checked like a typed one')
  t.match(typo.body, new RegExp(`id="identifier-${second.id}-erreur"`), 'the error is tied to that candidate’s field')
  const fixedId = `${second.identifier.slice(0, 5)}9999999`
  const corrected = await eva.post(`${jobUrl}/candidats/${second.id}`, { action: 'correct', identifier: fixedId.toLowerCase() }, { from: jobUrl })
  t.equal(corrected.statusCode, 302)

  const lines = await orm.em.fork().find(ClaimLine, {}, { orderBy: { identifier: 'asc' } })
  t.same(lines.map((l) => l.identifier).sort(), [first.identifier, fixedId].sort())
  t.ok(lines.every((l) => l.source === 'ocr' && l.evidenceId === job.evidenceId && l.amountCents === 1000), 'source ocr, linked to the file, at face value')
  const pages = await orm.em.fork().getConnection().execute<{ source_page: number }[]>(`select source_page from claim_line`)
  t.same(pages.map((p) => p.source_page), [1, 1], 'and the page it was read on')
  const decided = await orm.em.fork().find(ReadingCandidate, { jobId: job.id }, { orderBy: { ordinal: 'asc' } })
  t.same(decided.map((c) => c.decision).sort(), ['accepted', 'corrected'])
  const audit = await orm.em.fork().find(AuditEvent, { action: { $like: 'pass_reading.%' } })
  t.ok(['pass_reading.queued', 'pass_reading.started', 'pass_reading.page_read', 'pass_reading.done', 'pass_reading.candidate_accepted', 'pass_reading.candidate_corrected'].every((a) => audit.some((e) => e.action === a)), 'every step is audited')
  const again = await eva.post(`${jobUrl}/candidats/${first.id}`, { action: 'discard' }, { from: jobUrl })
  t.equal(again.statusCode, 409, 'a decided reading cannot be decided twice')
})

t.test('accept all confident ones: a pass already declared stays to be handled', async (t) => {
  const scan = await passScan(12, 3, { qr: true })
  const jobUrl = await upload('trois-pass-qr.jpg', scan.jpeg)
  t.equal((await settled(jobUrl)).status, 'done')
  const job = jobUrl.split('/').pop() as string
  const candidates = await orm.em.fork().find(ReadingCandidate, { jobId: job })
  t.ok(candidates.some((c) => c.how === 'code'), 'QR codes decoded')
  const firstId = scan.truth[0]?.identifier as string
  await eva.post(`${base}/lignes`, { identifier: firstId }, { from: `${base}/lignes` })
  const res = await eva.post(`${jobUrl}/accepter-confiants`, {}, { from: jobUrl })
  t.equal(res.statusCode, 302)
  const after = await orm.em.fork().find(ReadingCandidate, { jobId: job })
  t.equal(after.find((c) => c.identifier === firstId)?.decision, 'pending', 'the one already declared is left pending')
  t.equal(after.filter((c) => c.decision === 'accepted').length, candidates.length - 1)
})

t.test('garbage files end with a clear French reason per file, and the server stays up', async (t) => {
  const cases: [string, Buffer, RegExp][] = [
    ['tronquee.jpg', await truncatedJpeg(), /illisible ou incomplète/],
    ['texte.pdf', await textOnlyPdf(), /aucune image/],
    ['geante.png', pixelBombPng(), /trop grande/],
    ['bruit.jpg', await noiseJpeg(), /ne ressemble pas à un scan|Aucun numéro de pass/],
  ]
  for (const [name, bytes, reason] of cases) {
    const jobUrl = await upload(name, bytes)
    const state = await settled(jobUrl)
    t.equal(state.status, 'failed', `${name} fails`)
    t.match(state.error, reason, `${name}: ${state.error}`)
    t.match((await eva.get(jobUrl)).body, reason, 'the reason is on the page')
  }
  t.equal((await app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'the server is up')
  t.ok(process.memoryUsage().rss < 2_000_000_000, `memory stays bounded (${Math.round(process.memoryUsage().rss / 1e6)} MB)`)
})

t.test('a job interrupted after its first page resumes without duplicating results', async (t) => {
  const em = orm.em.fork()
  const claim = await em.findOneOrFail(Claim, { structureId: structure.id })
  const { scannedPdf } = await import('../../fixtures/pass-images/pdf.ts')
  const { pdf, pages } = await scannedPdf(21, [1, 2])
  const stored = await runtime.files.put(Readable.from([pdf]), { maxBytes: 10_000_000 })
  const evidence = em.create(Evidence, { claimId: claim.id, sha256: stored.sha256, sizeBytes: stored.sizeBytes, mime: stored.mime, kind: 'pass_scans', originalName: 'deux-pages.pdf' })
  await em.flush()
  // Enqueued on a queue name no worker listens to: this test runs the job itself.
  const [job] = await em.transactional((tx) => startReading(tx, { send: async () => 'x' } as never, claim, [evidence], { actor: SYSTEM_ACTOR, requestId: null }))
  const crash = new Error('simulated crash')
  await t.rejects(runReadingJob({ orm, files: runtime.files, afterPage: (n) => { if (n === 1) throw crash } }, job?.id as string), crash)
  await runReadingJob({ orm, files: runtime.files }, job?.id as string)
  const done = await orm.em.fork().findOneOrFail(ReadingJob, { id: job?.id as string })
  t.equal(done.status, 'done')
  t.equal(done.pagesDone, 2, 'each page counted once')
  const found = await orm.em.fork().find(ReadingCandidate, { jobId: done.id })
  t.same(found.map((c) => c.identifier).sort(), pages.flat().map((p) => p.identifier).sort(), 'every pass once, none twice')
})

t.test('a job can be cancelled; another structure’s job is not found', async (t) => {
  const em = orm.em.fork()
  const claim = await em.findOneOrFail(Claim, { structureId: structure.id })
  const evidence = await em.findOneOrFail(Evidence, { claimId: claim.id, originalName: 'deux-pass.jpg' })
  const [job] = await em.transactional((tx) => startReading(tx, { send: async () => 'x' } as never, claim, [evidence], { actor: SYSTEM_ACTOR, requestId: null }))
  const jobUrl = `${base}/lecture/${job?.id}`
  t.match((await eva.get(jobUrl)).body, /Arrêter la lecture/)
  t.equal((await eva.post(`${jobUrl}/annuler`, {})).statusCode, 302)
  await runReadingJob({ orm, files: runtime.files }, job?.id as string)
  t.equal((await orm.em.fork().findOneOrFail(ReadingJob, { id: job?.id as string })).status, 'cancelled', 'the worker does not read a cancelled job')

  const paul = client(app)
  await paul.post('/connexion', { email: 'paul@ailleurs.example', password: STRONG_PASSWORD }, { from: '/connexion' })
  const otherBase = `/structures/${other.id}/declaration`
  await paul.post(otherBase, {}, { from: otherBase })
  const res = await app.inject({ method: 'GET', url: `${otherBase}/lecture/${job?.id}/etat`, headers: { cookie: [...paul.cookies].map(([k, v]) => `${k}=${v}`).join('; '), accept: 'application/json' } })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'reading_job_not_found', 'a job of another claim answers its own 404')
})
