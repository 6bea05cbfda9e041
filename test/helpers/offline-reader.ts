// Run under test/helpers/no-network.ts: proves the block works (a fetch
// fails, in the main thread and in a worker), then reads a pass scan from a fresh start: the OCR pool loads
// its models and zxing its WASM with no network. The file goes the product's way: its type sniffed
// from its bytes, its first page decoded (JPEG, HEIC…). Prints the identifiers read as JSON.
import { readFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { sniffKind } from '../../server/modules/evidence/sniff.ts'
import { pageImages } from '../../server/modules/pass-reading/decode.ts'
import { readPage } from '../../server/modules/pass-reading/read-page.ts'
import { ocrPoolSize, stopOcrPool } from '../../server/modules/pass-reading/ocr-pool.ts'

let blocked = false
try {
  await fetch('https://probe.invalid/')
} catch {
  blocked = true
}
// tesseract.js runs in worker threads (started from a file, as here): the block must reach them.
const workerBlocked = await new Promise<boolean>((resolve) => new Worker(new URL('./worker-probe.ts', import.meta.url)).once('message', resolve))
const rule = { pattern: 'PN[0-9]{2}[A-Z][0-9]{7}', uppercase: true, stripSeparators: true, example: 'PN19A0000001' }
const image = readFileSync(process.argv[2] as string)
const kind = await sniffKind(image)
if (!kind) throw new Error('not a file type the service reads')
const reading = await readPage(await (await pageImages(image, kind.mime)).page(1), { rule, index: null })
console.log(JSON.stringify({ blocked, workerBlocked, mime: kind.mime, workers: ocrPoolSize(), identifiers: reading.candidates.map((c) => ({ identifier: c.identifier, how: c.how })) }))
await stopOcrPool()
