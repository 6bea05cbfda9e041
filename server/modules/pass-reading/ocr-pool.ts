// Tesseract (tesseract.js 7, WASM) offline: the French and English models come from the
// @tesseract.js-data packages (4.0.0_best_int), copied once into one local folder because
// tesseract.js wants both in a single langPath; cacheMethod 'none' so it never writes a cache
// nor looks for a newer file. Without a local langPath it would fetch from a CDN (or hang offline).
//
// One pool per process, created on first use, sized to the cores, workers kept across jobs
// (a worker costs about a second to start); the runtime stops it on shutdown.
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createScheduler, createWorker, OEM, PSM, type Scheduler, type Worker } from 'tesseract.js'

export const OCR_LANGUAGES = ['fra', 'eng'] as const
/** How a whole page is segmented (bench:ocr gives the native CLI the same). */
export const PAGE_MODE = PSM.SPARSE_TEXT

export type OcrLine = { text: string; confidence: number; box: { x: number; y: number; width: number; height: number } }
export type OcrResult = { lines: OcrLine[] }

/** The folder tesseract.js reads the models from; filled from node_modules, never downloaded. */
export function modelFolder(): string {
  const require = createRequire(import.meta.url)
  const folder = join(tmpdir(), `creances-tessdata-${process.getuid?.() ?? 0}`)
  mkdirSync(folder, { recursive: true })
  for (const lang of OCR_LANGUAGES) {
    const source = join(dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), '4.0.0_best_int', `${lang}.traineddata.gz`)
    const target = join(folder, `${lang}.traineddata.gz`)
    if (existsSync(target) && statSync(target).size === statSync(source).size) continue
    // Copy then rename: another process starting at the same time never reads half a file.
    const part = `${target}.${process.pid}.part`
    copyFileSync(source, part)
    renameSync(part, target)
  }
  return folder
}

let pool: Promise<Scheduler> | null = null
let size = 0

export function ocrPoolSize(): number {
  return size
}

async function start(workers: number): Promise<Scheduler> {
  const langPath = modelFolder()
  const scheduler = createScheduler()
  const started = await Promise.all(
    Array.from({ length: workers }, async () => {
      const worker = await createWorker([...OCR_LANGUAGES], OEM.LSTM_ONLY, { langPath, cacheMethod: 'none', gzip: true })
      // Sparse text: passes lie anywhere on the page, side by side and each a little tilted; the
      // automatic layout (PSM 3) joined lines of neighbouring passes into one ("N° du pass" of one,
      // the number of the other) and dropped a lone pass in a corner (bench:ocr: 198 against 199
      // of 200 read, OCR time within 3 %). Sauvola's local thresholding (method 2) instead of Otsu's global
      // one: photos lit unevenly lost whole passes to a single threshold. No character
      // whitelist: measured worse on these images; the pattern is checked afterwards instead.
      await worker.setParameters({ tessedit_pageseg_mode: PAGE_MODE, user_defined_dpi: '300', thresholding_method: '2' })
      return worker
    }),
  )
  for (const worker of started) scheduler.addWorker(worker)
  size = workers
  return scheduler
}

/** The process's pool, started on first use with one worker per core (or `workers`). */
export function ocrPool(workers = Math.max(1, availableParallelism())): Promise<Scheduler> {
  if (!pool) {
    pool = start(workers)
    pool.catch(() => {
      pool = null
    })
  }
  return pool
}

export async function stopOcrPool(): Promise<void> {
  const current = pool
  pool = null
  size = 0
  if (current) await (await current.catch(() => null))?.terminate()
}

/**
 * Text lines of an image (PGM, PNG or JPEG bytes), each with its box and confidence (0..100).
 * `mode`: another segmentation for this image only (a single line, for a crop read again).
 * Read from Tesseract's TSV output, made in its C++: the block tree tesseract.js builds in
 * JavaScript (every word and symbol with its choices) cost 6 % of a page (42 ms of 717).
 */
export async function recognise(image: Buffer, mode?: PSM): Promise<OcrResult> {
  const scheduler = await ocrPool()
  // Tesseract parameters given with one job apply to it alone (tesseract.js restores them after).
  const options = (mode === undefined ? {} : { tessedit_pageseg_mode: mode }) as Parameters<Worker['recognize']>[1]
  const result = await scheduler.addJob('recognize', image, options, { text: false, blocks: false, tsv: true })
  return { lines: linesOfTsv(result.data.tsv ?? '') }
}

const LINE_LEVEL = '4'
const WORD_LEVEL = '5'

/**
 * Tesseract's TSV (level, page, block, paragraph, line, word, left, top, width, height,
 * confidence, text): a row per line with its box, then a row per word with its confidence. A
 * line's text is its words; its confidence, theirs on average (as the block tree gave it).
 */
export function linesOfTsv(tsv: string): OcrLine[] {
  const lines: (OcrLine & { words: number })[] = []
  for (const row of tsv.split('\n')) {
    const cells = row.split('\t')
    if (cells.length < 12) continue
    const [level, , , , , , left, top, width, height, confidence] = cells
    if (level === LINE_LEVEL) {
      lines.push({ text: '', confidence: 0, words: 0, box: { x: Number(left), y: Number(top), width: Number(width), height: Number(height) } })
    } else if (level === WORD_LEVEL) {
      const line = lines.at(-1)
      const text = cells.slice(11).join('\t').trim()
      if (!line || text === '') continue
      line.text = line.text ? `${line.text} ${text}` : text
      line.confidence += Number(confidence)
      line.words += 1
    }
  }
  return lines.filter((l) => l.words > 0).map(({ words, ...line }) => ({ ...line, confidence: line.confidence / words }))
}
