// Reading passes needs no network: the OCR models, zxing's WASM and mupdf come from node_modules.
// The reader runs in a child process where every socket, DNS lookup and fetch is refused and
// reported (test/helpers/no-network.ts, preloaded into its worker threads too — checked).
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { passScan } from '../helpers/pass-images.ts'

const run = promisify(execFile)

t.test('a pass scan is read, QR code and text, with the network refused', async (t) => {
  const scan = await passScan(41, 2, { qr: true })
  const file = join(mkdtempSync(join(tmpdir(), 'offline-reader-')), 'scan.jpg')
  writeFileSync(file, scan.jpeg)
  const helpers = join(import.meta.dirname, '../helpers')
  const { stdout, stderr } = await run(process.execPath, ['--import', join(helpers, 'no-network.ts'), join(helpers, 'offline-reader.ts'), file], { maxBuffer: 1 << 24 })
  const result = JSON.parse(stdout.trim().split('\n').pop() as string) as { blocked: boolean; workerBlocked: boolean; workers: number; identifiers: { identifier: string; how: string }[] }
  t.ok(result.blocked, 'the block works: a fetch fails in that process')
  t.ok(result.workerBlocked, 'and in a worker thread started from a file, as tesseract.js starts its workers')
  t.ok(result.workers >= 1, `an OCR pool of ${result.workers} worker(s) started`)
  t.same(result.identifiers.map((i) => i.identifier).sort(), scan.truth.map((p) => p.identifier).sort(), 'both passes read')
  t.ok(result.identifiers.every((i) => i.how === 'code'), 'from their QR codes')
  const attempts = stderr.split('\n').filter((l) => l.startsWith('NETWORK') && !l.includes('probe.invalid'))
  t.same(attempts, [], 'and nothing else tried to reach the network')
})

t.test('an iPhone photo (HEIC) is decoded and read the same way, offline', async (t) => {
  // fixtures/pass-images/heic-sample.ts made it (HEVC in HEIF, as an iPhone saves it).
  const samples = join(import.meta.dirname, '../../fixtures/pass-images/samples')
  const truth = JSON.parse(readFileSync(join(samples, 'two-passes.json'), 'utf8')) as { identifiers: string[] }
  const helpers = join(import.meta.dirname, '../helpers')
  const { stdout, stderr } = await run(process.execPath, ['--import', join(helpers, 'no-network.ts'), join(helpers, 'offline-reader.ts'), join(samples, 'two-passes.heic')], { maxBuffer: 1 << 24 })
  const result = JSON.parse(stdout.trim().split('\n').pop() as string) as { mime: string; identifiers: { identifier: string; how: string }[] }
  t.equal(result.mime, 'image/heic', 'sniffed as HEIC from its bytes')
  t.same(result.identifiers.map((i) => i.identifier).sort(), [...truth.identifiers].sort(), 'both passes read from the text')
  t.same(stderr.split('\n').filter((l) => l.startsWith('NETWORK') && !l.includes('probe.invalid')), [], 'with no network')
})
