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

type Bbox = { x0: number; y0: number; x1: number; y1: number }
type Block = { paragraphs: { lines: { text: string; confidence: number; bbox: Bbox }[] }[] }

/**
 * Text lines of an image (PGM, PNG or JPEG bytes), each with its box and confidence (0..100).
 * `mode`: another segmentation for this image only (a single line, for a crop read again).
 */
export async function recognise(image: Buffer, mode?: PSM): Promise<OcrResult> {
  const scheduler = await ocrPool()
  // Tesseract parameters given with one job apply to it alone (tesseract.js restores them after).
  const options = (mode === undefined ? {} : { tessedit_pageseg_mode: mode }) as Parameters<Worker['recognize']>[1]
  const result = await scheduler.addJob('recognize', image, options, { text: false, blocks: true })
  const blocks = (result.data.blocks ?? []) as unknown as Block[]
  const lines: OcrLine[] = []
  for (const block of blocks) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const { x0, y0, x1, y1 } = line.bbox
        lines.push({ text: line.text.replace(/\n$/u, ''), confidence: line.confidence, box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } })
      }
    }
  }
  return { lines }
}
