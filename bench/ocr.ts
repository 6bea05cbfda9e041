// npm run bench:ocr — reading passes from generated scans and photos (fixtures/pass-images).
// value: passes per second through the product's page reader (tesseract.js pool, one worker per
// core, pages in flight = workers + 1). baseline: the same pipeline with the OCR step done by the
// native Tesseract CLI (Debian tesseract-ocr 5.3, fra+eng, same page segmentation mode (PAGE_MODE) and thresholding), run in batch mode over a
// list file, one process per core with OMP_THREAD_LIMIT=1 (OpenMP on 2 cores was 4× slower).
// Both get the same pages prepared by the same code (grey, normalised, resized, straightened),
// the same QR decoding and the same identifier finding; preparation time counts for both.
// exact_raw: share of passes whose identifier is among the page's readings with no ledger (pattern
// and per-position fixes only); exact_snapped: with the ledger index (snapping within one edit).
// ASIS=1 also runs the CLI over the image files as they are (no preparation, no codes): its own
// accuracy and speed, for comparison.
//   PASSES=200 SEED=7 ROUNDS=3 npm run bench:ocr      VARIANTS=1 also measures each preparation step off
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import sharp from 'sharp'
import { fixtureLedger, generatePages, PASS_PATTERN } from '../fixtures/pass-images/generate.ts'
import type { IdentifierRule } from '../server/lib/pass-identifier.ts'
import { createLedgerIndex, readIdentifiers, type LedgerIndex } from '../server/lib/pass-reading.ts'
import { readCodes } from '../server/modules/pass-reading/codes.ts'
import { ocrPool, PAGE_MODE, stopOcrPool } from '../server/modules/pass-reading/ocr-pool.ts'
import { preparePage, toPgm, type PrepareOptions } from '../server/modules/pass-reading/preprocess.ts'
import { readPage } from '../server/modules/pass-reading/read-page.ts'

const run = promisify(execFile)
const PASSES = Number(process.env.PASSES ?? 200)
const SEED = Number(process.env.SEED ?? 7)
const CORES = availableParallelism()
const rule: IdentifierRule = { pattern: PASS_PATTERN, uppercase: true, stripSeparators: true, example: 'PN19A0000001' }

type Page = { name: string; truth: string[] }

async function fixtureSet(): Promise<{ dir: string; pages: Page[]; index: LedgerIndex }> {
  const dir = resolve(`var/fixtures/pass-images/bench-s${SEED}-${PASSES}`)
  const truthFile = join(dir, 'truth.json')
  if (!existsSync(truthFile)) {
    mkdirSync(dir, { recursive: true })
    const started = performance.now()
    const truth: Record<string, string[]> = {}
    for await (const page of generatePages(SEED, PASSES, fixtureLedger(SEED))) {
      writeFileSync(join(dir, page.name), page.jpeg)
      truth[page.name] = page.truth.map((p) => p.identifier)
    }
    writeFileSync(truthFile, JSON.stringify(truth))
    console.log(`generated ${Object.keys(truth).length} pages in ${((performance.now() - started) / 1000).toFixed(1)} s → ${dir}`)
  }
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Record<string, string[]>
  return { dir, pages: Object.entries(truth).map(([name, ids]) => ({ name, truth: ids })), index: createLedgerIndex(fixtureLedger(SEED).identifiers) }
}

type Score = { passes: number; raw: number; snapped: number; wrong: number; seconds: number; cpu: number }

/** CPU-seconds used so far by this process (all its threads) and by its ended children (the CLIs). */
function cpuSeconds(): number {
  // /proc/self/stat: utime, stime, cutime, cstime are fields 14–17, in clock ticks (100 a second).
  const fields = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /su, '').split(' ')
  return [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0) / 100
}

function score(pages: Page[], readings: Map<string, { text: string; codes: string[] }>, index: LedgerIndex, seconds: number, cpu: number): Score {
  const s: Score = { passes: 0, raw: 0, snapped: 0, wrong: 0, seconds, cpu }
  for (const page of pages) {
    const r = readings.get(page.name) ?? { text: '', codes: [] }
    const raw = new Set(readIdentifiers(r.text, rule, null, r.codes).map((c) => c.identifier))
    const snapped = readIdentifiers(r.text, rule, index, r.codes)
    for (const id of page.truth) {
      s.passes++
      if (raw.has(id)) s.raw++
      if (snapped.some((c) => c.identifier === id)) s.snapped++
    }
    // Proposals that are not a pass of the page: what a person would have to discard.
    s.wrong += snapped.filter((c) => !page.truth.includes(c.identifier)).length
  }
  return s
}

async function inParallel<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items]
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item)
  }))
}

async function ours(dir: string, pages: Page[], index: LedgerIndex, prepare: PrepareOptions = {}): Promise<Score> {
  const readings = new Map<string, { text: string; codes: string[] }>()
  const cpu = cpuSeconds()
  const started = performance.now()
  await inParallel(pages, CORES + 1, async (page) => {
    const r = await readPage(sharp(join(dir, page.name)).rotate(), { rule, index, prepare })
    readings.set(page.name, { text: r.text, codes: r.codes })
  })
  return score(pages, readings, index, (performance.now() - started) / 1000, cpuSeconds() - cpu)
}

async function native(dir: string, pages: Page[], index: LedgerIndex): Promise<Score> {
  const work = mkdtempSync(join(tmpdir(), 'bench-ocr-native-'))
  const codes = new Map<string, string[]>()
  const cpu = cpuSeconds()
  const started = performance.now()
  await inParallel(pages, CORES + 1, async (page) => {
    const prepared = await preparePage(sharp(join(dir, page.name)).rotate())
    codes.set(page.name, (await readCodes(prepared)).map((c) => c.text))
    writeFileSync(join(work, `${page.name}.pgm`), toPgm(prepared))
  })
  const shards = Array.from({ length: CORES }, (_, i) => pages.filter((_, k) => k % CORES === i))
  const texts = await Promise.all(shards.map(async (shard, i) => {
    const list = join(work, `list-${i}.txt`)
    writeFileSync(list, shard.map((p) => join(work, `${p.name}.pgm`)).join('\n') + '\n')
    const out = join(work, `out-${i}`)
    await run('tesseract', [list, out, '-l', 'fra+eng', '--psm', String(PAGE_MODE), '--dpi', '300', '-c', 'thresholding_method=2'], { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 1 << 26 })
    // The text renderer ends each page with a form feed.
    return readFileSync(`${out}.txt`, 'utf8').split('\f')
  }))
  const readings = new Map<string, { text: string; codes: string[] }>()
  shards.forEach((shard, i) => shard.forEach((p, k) => readings.set(p.name, { text: texts[i]?.[k] ?? '', codes: codes.get(p.name) ?? [] })))
  const seconds = (performance.now() - started) / 1000
  rmSync(work, { recursive: true, force: true })
  return score(pages, readings, index, seconds, cpuSeconds() - cpu)
}

// The CLI as anyone would run it: over the image files themselves, its own reading of them
// (leptonica decoding, Otsu thresholding, no straightening, no codes), in batch mode, one process per core.
async function nativeAsIs(dir: string, pages: Page[], index: LedgerIndex): Promise<Score> {
  const work = mkdtempSync(join(tmpdir(), 'bench-ocr-native-'))
  const cpu = cpuSeconds()
  const started = performance.now()
  const shards = Array.from({ length: CORES }, (_, i) => pages.filter((_, k) => k % CORES === i))
  const texts = await Promise.all(shards.map(async (shard, i) => {
    const list = join(work, `list-${i}.txt`)
    writeFileSync(list, shard.map((p) => join(dir, p.name)).join('\n') + '\n')
    const out = join(work, `out-${i}`)
    await run('tesseract', [list, out, '-l', 'fra+eng', '--psm', String(PAGE_MODE)], { env: { ...process.env, OMP_THREAD_LIMIT: '1' }, maxBuffer: 1 << 26 })
    return readFileSync(`${out}.txt`, 'utf8').split('\f')
  }))
  const readings = new Map<string, { text: string; codes: string[] }>()
  shards.forEach((shard, i) => shard.forEach((p, k) => readings.set(p.name, { text: texts[i]?.[k] ?? '', codes: [] })))
  const seconds = (performance.now() - started) / 1000
  rmSync(work, { recursive: true, force: true })
  return score(pages, readings, index, seconds, cpuSeconds() - cpu)
}

const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)} %`
const line = (label: string, s: Score) =>
  console.log(`${label.padEnd(34)} exact raw ${pct(s.raw, s.passes).padStart(7)}  snapped ${pct(s.snapped, s.passes).padStart(7)}  wrong proposals ${String(s.wrong).padStart(3)}  ${(s.passes / s.seconds).toFixed(2)} passes/s (${s.seconds.toFixed(1)} s, ${s.cpu.toFixed(1)} CPU-s)`)

const { dir, pages, index } = await fixtureSet()
const passes = pages.reduce((n, p) => n + p.truth.length, 0)
console.log(`${pages.length} pages, ${passes} passes (seed ${SEED}), ledger of ${index.size} issued identifiers; ${CORES} cores`)
// Rounds alternate the two, so both see the machine in the same state; the figures are medians.
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const runs: { js: Score; cli: Score }[] = []
for (let round = 1; round <= ROUNDS; round++) {
  const warm = performance.now()
  await ocrPool(CORES)
  console.log(`round ${round}: tesseract.js pool of ${CORES} workers started in ${((performance.now() - warm) / 1000).toFixed(1)} s (not counted)`)
  const js = await ours(dir, pages, index)
  line('  tesseract.js (product pipeline)', js)
  if (process.env.VARIANTS && round === 1) {
    const subset = pages.slice(0, Math.ceil(pages.length / 2))
    line('  half set, all steps', await ours(dir, subset, index))
    line('  half set, no deskew', await ours(dir, subset, index, { deskew: false }))
    line('  half set, no resize', await ours(dir, subset, index, { resize: false }))
    line('  half set, no normalise', await ours(dir, subset, index, { normalise: false }))
  }
  await stopOcrPool()
  const cli = await native(dir, pages, index)
  line('  native tesseract CLI (batch)', cli)
  if (process.env.ASIS) line('  native tesseract CLI (files as is)', await nativeAsIs(dir, pages, index))
  runs.push({ js, cli })
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const value = median(runs.map((r) => r.js.passes / r.js.seconds))
const baseline = median(runs.map((r) => r.cli.passes / r.cli.seconds))
// Accuracy does not vary between rounds (same pages, same models): the last round's.
const { js } = runs.at(-1) as { js: Score }
console.log(`median over ${ROUNDS} rounds: tesseract.js ${value.toFixed(2)} passes/s, native CLI ${baseline.toFixed(2)} passes/s; per-round ratios ${runs.map((r) => (r.js.passes / r.js.seconds / (r.cli.passes / r.cli.seconds)).toFixed(2)).join(', ')}`)
console.log(JSON.stringify({ bench: 'ocr', value: +value.toFixed(3), unit: 'passes/s', baseline: +baseline.toFixed(3), ratio: +(value / baseline).toFixed(3), exact_raw: +(js.raw / js.passes).toFixed(4), exact_snapped: +(js.snapped / js.passes).toFixed(4) }))
