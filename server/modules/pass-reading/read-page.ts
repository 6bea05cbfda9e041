// One page, from image to identifiers a person can confirm: prepare (grey, size, straighten),
// decode codes, OCR the text lines, find and snap identifiers with lib/pass-reading.ts, and cut a
// crop of each pass so the review screen shows what was read beside what was proposed.
import type { Sharp } from 'sharp'
import type { IdentifierRule } from '../../lib/pass-identifier.ts'
import { normaliseIdentifier } from '../../lib/pass-identifier.ts'
import { identifiersInCode, readIdentifiers, type LedgerIndex, type ReadHow } from '../../lib/pass-reading.ts'
import { explainImageError, unreadable } from './decode.ts'
import { readCodes, type DecodedCode } from './codes.ts'
import { recognise, type OcrLine } from './ocr-pool.ts'
import { cropJpeg, preparePage, toPgm, type PrepareOptions, type PreparedPage } from './preprocess.ts'
import { rereadDoubtful } from './reread.ts'

export type Box = { x: number; y: number; width: number; height: number }

export type PageCandidate = {
  identifier: string
  how: ReadHow
  confidence: number
  alternatives: string[]
  raw: string
  note: string
  inLedger: boolean | null
  box: Box
  crop: Buffer
}

export type PageReading = { candidates: PageCandidate[]; skew: number; text: string; codes: string[] }

export type ReadOptions = { rule: IdentifierRule; index: LedgerIndex | null; prepare?: PrepareOptions; codes?: boolean; secondLook?: boolean; reread?: boolean; signal?: AbortSignal }

/**
 * Mean difference between neighbouring pixels on sampled rows: a few units on a page of print,
 * tens on pure noise (where Tesseract would spend minutes finding letters in the grain).
 */
export function grain(page: PreparedPage): number {
  let total = 0
  let count = 0
  const rowStep = Math.max(1, Math.floor(page.height / 200))
  for (let y = 0; y < page.height; y += rowStep) {
    const row = y * page.width
    for (let x = 1; x < page.width; x++) {
      total += Math.abs((page.data[row + x] as number) - (page.data[row + x - 1] as number))
      count++
    }
  }
  return count ? total / count : 0
}
export const MAX_GRAIN = 30

function union(boxes: Box[]): Box {
  const x = Math.min(...boxes.map((b) => b.x))
  const y = Math.min(...boxes.map((b) => b.y))
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y }
}

/** The identifier's line, widened to show the pass around it (a few lines above and below). */
function around(box: Box, page: PreparedPage): Box {
  const h = Math.max(box.height, 12)
  const x = Math.max(0, box.x - h)
  const y = Math.max(0, box.y - 2.5 * h)
  const right = Math.min(page.width, box.x + box.width * 1.6 + h)
  const bottom = Math.min(page.height, box.y + box.height + 2.5 * h)
  return { x, y, width: right - x, height: bottom - y }
}

/** Printed on every pass once: a page showing more of these than identifiers read was read short. */
const PER_PASS = [/carnet/giu, /10[,.]0?0/gu, /jusqu|squ.?au/giu, /du pass/giu, /offert/giu, /atelier/giu, /aptic/giu]

export function passesSeen(text: string): number {
  return Math.max(0, ...PER_PASS.map((re) => (text.match(re) ?? []).length))
}

/** The page with each decoded code painted white (a margin of a sixth of its size around it). */
function withoutCodes(page: PreparedPage, codes: readonly DecodedCode[]): PreparedPage {
  const data = Buffer.from(page.data)
  for (const { box } of codes) {
    const margin = Math.max(box.width, box.height) / 6
    const left = Math.max(0, Math.floor(box.x - margin))
    const right = Math.min(page.width, Math.ceil(box.x + box.width + margin))
    const bottom = Math.min(page.height, Math.ceil(box.y + box.height + margin))
    for (let y = Math.max(0, Math.floor(box.y - margin)); y < bottom; y++) data.fill(255, y * page.width + left, y * page.width + right)
  }
  return { ...page, data }
}

/** Lines of another preparation of the page, brought to the first one's coordinates. */
function scaled(lines: OcrLine[], factor: number): OcrLine[] {
  return lines.map((l) => ({ ...l, box: { x: l.box.x * factor, y: l.box.y * factor, width: l.box.width * factor, height: l.box.height * factor } }))
}

export async function readPage(image: Sharp, options: ReadOptions): Promise<PageReading> {
  // Decoding happens here (sharp is lazy): a truncated or corrupt image fails now, for a reason.
  const page = await preparePage(image.clone(), options.prepare).catch((error: unknown) => {
    throw explainImageError(error)
  })
  if (grain(page) > MAX_GRAIN) throw unreadable('Cette page ne ressemble pas à un scan ou une photo de pass (image brouillée ou bruit) : rien n’a pu être lu.')
  // A page out of time stops between steps (a recognition under way runs to its end in its worker).
  options.signal?.throwIfAborted()
  // Codes first: what they give exactly needs no OCR, so they are blanked out of the page the OCR
  // reads (Tesseract spent time on their modules as if they were letters: 7 % of such a page) and
  // their printed identifiers are not read again.
  const codes = options.codes === false ? [] : await readCodes(page)
  options.signal?.throwIfAborted()
  const ocr = await recognise(toPgm(codes.length ? withoutCodes(page, codes) : page))
  options.signal?.throwIfAborted()
  const decoded = codes.flatMap((c) => identifiersInCode(c.text, options.rule))
  const lines: OcrLine[] = options.reread === false ? [...ocr.lines] : await rereadDoubtful(page, ocr.lines, options.rule, options.index, decoded)
  // Doubtful identifier lines are read again first (reread.ts), cheaply, crop by crop. Then a
  // second look, finer and also unstraightened, only at a page that still shows more passes than
  // identifiers: with sparse-text segmentation, 1 page of 174 over bench:ocr's seeds 7, 8 and 9
  // (it was 4 of 57 with the automatic layout).
  const first = lines.map((l) => l.text).join('\n')
  const found = readIdentifiers(first, options.rule, options.index, codes.map((c) => c.text)).length
  options.signal?.throwIfAborted()
  if (options.secondLook !== false && (found === 0 || found < passesSeen(first))) {
    for (const prepare of [{ ...options.prepare, detail: 'fine' as const }, { ...options.prepare, detail: 'fine' as const, deskew: false }]) {
      const again = await preparePage(image.clone(), prepare)
      lines.push(...scaled((await recognise(toPgm(again))).lines, page.width / again.width))
    }
  }
  const starts: number[] = []
  let text = ''
  for (const line of lines) {
    starts.push(text.length)
    text += `${line.text}\n`
  }
  const linesBetween = (start: number, end: number) => lines.filter((line, i) => (starts[i] as number) < end && (starts[i] as number) + line.text.length > start)
  const results = readIdentifiers(text, options.rule, options.index, codes.map((c) => c.text))
  const candidates: PageCandidate[] = []
  for (const r of results) {
    let box: Box | null = null
    if (r.start !== null && r.end !== null) {
      const hit = linesBetween(r.start, r.end)
      if (hit.length) box = union(hit.map((l) => l.box))
    } else {
      // A code: show the printed number when the text has it too, else the code itself.
      const line = lines.find((l) => normaliseIdentifier(l.text, options.rule).includes(r.identifier))
      box = line ? line.box : (codes.find((c) => c.text.includes(r.identifier))?.box ?? null)
    }
    const shown = box ? around(box, page) : { x: 0, y: 0, width: page.width, height: page.height }
    candidates.push({
      identifier: r.identifier,
      how: r.how,
      confidence: r.confidence,
      alternatives: r.alternatives,
      raw: r.raw.slice(0, 200),
      note: r.note,
      inLedger: r.inLedger,
      box: shown,
      crop: await cropJpeg(page, shown),
    })
  }
  return { candidates, skew: page.skew, text, codes: codes.map((c) => c.text) }
}
