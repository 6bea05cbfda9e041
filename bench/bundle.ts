// npm run bench:bundle — the court bundle of the national fixture's ~400 claims: every claim's
// PDF, the list and the état des créances in CSV, XLSX and PDF, and the SHA-256 manifest, streamed
// into one ZIP (value: seconds, in a process of its own whose peak RSS is reported), against
// Info-ZIP's `zip -0` storing the same stored files (baseline: the bare cost of writing those bytes
// into a ZIP, without the statements or the manifest). Goals (issue 7): ≤ 60 s, peak RSS ≤ 500 MB.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadNationalFixture } from '../fixtures/national/seed.ts'
import { submitNationalClaims } from '../fixtures/national/submit.ts'
import { storedEntries } from '../server/modules/court/bundle.ts'
import { benchDatabase, ensureNationalFixture } from './lib/national.ts'

const dir = ensureNationalFixture()
const db = await benchDatabase()
const out = mkdtempSync(join(tmpdir(), 'creances-bundle-'))
try {
  const em = db.runtime.orm.em.fork()
  const loaded = await loadNationalFixture(em, db.url, dir)
  if (!loaded.ledger.ok) throw new Error('ledger refused')
  const [procedure] = await em.execute<{ id: string }[]>(`select "id" from "procedure" where "code" = 'aptic-2024'`)
  if (!procedure) throw new Error('no procedure')
  let started = performance.now()
  const claims = await submitNationalClaims(db.runtime.orm.em.fork(), db.runtime.files, procedure.id, (done, total) => {
    if (done % 100 === 0) console.log(`  claim PDFs: ${done} / ${total}`)
  })
  console.log(`national fixture loaded and its ${claims} claims filed with their PDFs (${loaded.lines} lines) in ${((performance.now() - started) / 1000).toFixed(1)} s`)

  const target = join(out, 'dossier.zip')
  const child = spawnSync(process.execPath, ['bench/bundle-child.ts', db.url, db.runtime.config.varDir, target], { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(`bundle failed: ${child.stderr}`)
  const run = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as { seconds: number; statementsSeconds: number; bytes: number; files: number; rssMb: number; restingMb: number }

  const stored = await storedEntries(db.runtime.orm.em.fork(), procedure.id, null)
  started = performance.now()
  execFileSync('zip', ['-0', '-q', '-j', '-@', join(out, 'baseline.zip')], { input: stored.map((e) => db.runtime.files.path(e.stored)).join('\n') })
  const baseline = (performance.now() - started) / 1000

  console.log(`bundle: ${run.files} files, ${(run.bytes / 1024 / 1024).toFixed(1)} MiB in ${run.seconds.toFixed(1)} s (goal ≤ 60 s); peak RSS of the bundling process ${run.rssMb} MB (goal ≤ 500 MB; ${run.restingMb} MB before bundling)`)
  console.log(`  of which the queries and the six statements (list and état in CSV, XLSX, PDF): ${run.statementsSeconds.toFixed(1)} s; the stored files and the manifest: ${(run.seconds - run.statementsSeconds).toFixed(1)} s`)
  console.log(`zip -0 of the same ${stored.length} stored files: ${(statSync(join(out, 'baseline.zip')).size / 1024 / 1024).toFixed(1)} MiB in ${baseline.toFixed(1)} s`)
  console.log(JSON.stringify({ bench: 'bundle', value: Number(run.seconds.toFixed(2)), unit: 's', baseline: Number(baseline.toFixed(2)), ratio: Number((run.seconds / baseline).toFixed(2)), peak_rss_mb: run.rssMb }))
} finally {
  rmSync(out, { recursive: true, force: true })
  await db.stop()
}
