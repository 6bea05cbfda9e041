// A closer look at the lines whose identifier reading is doubtful: the line is cut out of the
// prepared page, enlarged and read again as a block of its own, and the reading that gives the
// better identifiers is kept. A whole page read once misses what a crop read again gets right
// (bench:ocr: "PN19Y79896460", confidence 56, read on the page; "PN19Y7989640", 90, in the crop),
// and a crop costs a few tens of milliseconds against most of a second for a page.
import sharp from 'sharp'
import { PSM } from 'tesseract.js'
import type { IdentifierRule } from '../../lib/pass-identifier.ts'
import { normaliseIdentifier } from '../../lib/pass-identifier.ts'
import { fitToClass } from '../../lib/pass-reading-classes.ts'
import { positionClasses, readIdentifiers, type LedgerIndex, type ReadIdentifier } from '../../lib/pass-reading.ts'
import { recognise, type OcrLine } from './ocr-pool.ts'
import { toPgm, type PreparedPage } from './preprocess.ts'

type Box = OcrLine['box']

/** Below this, Tesseract's own confidence in a line (0..100) says its reading is worth a second look. */
export const DOUBTFUL_LINE_CONFIDENCE = 80
/** Enough for the identifiers of a page of six passes; a page of noise does not buy more. */
export const MAX_REREADS_PER_PAGE = 8
/** Characters of the identifier's start that make a line without any identifier worth reading again. */
const START_LENGTH = 4
/** Enlarged until its text is about this tall: Tesseract reads bold print best around 30–40 px. */
const TARGET_LINE_HEIGHT = 80

const HOW_WEIGHT: Readonly<Record<ReadIdentifier['how'], number>> = { code: 3, exact: 3, corrected: 1, unmatched: 0 }

/** How good a stretch of text is for identifiers: what was found, then how sure the OCR was. */
export function readingScore(lines: readonly OcrLine[], rule: IdentifierRule, index: LedgerIndex | null): [number, number] {
  const found = readIdentifiers(lines.map((l) => l.text).join('\n'), rule, index)
  const confidence = lines.length ? Math.min(...lines.map((l) => l.confidence)) : 0
  return [found.reduce((sum, r) => sum + HOW_WEIGHT[r.how], 0), confidence]
}

/**
 * Whether the text holds the start of an identifier (its first few positions fit the pattern's
 * classes, "PN19" for PN[0-9]{2}…) : a line read short, "pN19D07", where no candidate was found.
 */
export function startsAnIdentifier(text: string, rule: IdentifierRule): boolean {
  const classes = positionClasses(rule)
  if (classes === null || classes.length < START_LENGTH) return false
  const chars = [...text.replace(/\s+/gu, '')]
  for (let s = 0; s + START_LENGTH <= chars.length; s++) {
    let fits = true
    for (let k = 0; k < START_LENGTH && fits; k++) {
      const raw = chars[s + k] as string
      fits = fitToClass(raw, normaliseIdentifier(raw, rule), classes[k] as string) !== null
    }
    if (fits) return true
  }
  return false
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u

/** Whether a reading is the printed form of a decoded code (the same, or a slip or two away). */
function confirmedByCode(identifier: string, codes: readonly string[]): boolean {
  return codes.some((code) => {
    if (code.length !== identifier.length) return false
    let differences = 0
    for (let i = 0; i < code.length && differences <= 2; i++) if (code[i] !== identifier[i]) differences++
    return differences <= 2
  })
}

/**
 * The groups of lines (indices) to read again: the lines of each identifier read with a
 * correction, left unmatched, on a doubtful line or cut out of a longer word, and each line that
 * starts an identifier but gave none. Doubtful readings first, at most MAX_REREADS_PER_PAGE.
 * A reading of what a decoded code (`codes`) already gave exactly is not worth a second look.
 */
export function doubtfulLines(lines: readonly OcrLine[], rule: IdentifierRule, index: LedgerIndex | null, codes: readonly string[] = []): number[][] {
  const starts: number[] = []
  let text = ''
  for (const line of lines) {
    starts.push(text.length)
    text += `${line.text}\n`
  }
  const lineOf = (offset: number) => {
    let i = 0
    while (i + 1 < starts.length && (starts[i + 1] as number) <= offset) i++
    return i
  }
  const groups: { lines: number[]; weight: number }[] = []
  const covered = new Set<number>()
  for (const r of readIdentifiers(text, rule, index)) {
    if (r.start === null || r.end === null) continue
    const group: number[] = []
    for (let i = lineOf(r.start); i <= lineOf(r.end - 1); i++) group.push(i)
    group.forEach((i) => covered.add(i))
    const cut = LETTER_OR_DIGIT.test(text.charAt(r.start - 1)) || LETTER_OR_DIGIT.test(text.charAt(r.end))
    const confidence = Math.min(...group.map((i) => (lines[i] as OcrLine).confidence))
    if ((r.how === 'exact' && !cut && confidence >= DOUBTFUL_LINE_CONFIDENCE) || confirmedByCode(r.identifier, codes)) continue
    groups.push({ lines: group, weight: HOW_WEIGHT[r.how] + confidence / 100 })
  }
  lines.forEach((line, i) => {
    if (!covered.has(i) && startsAnIdentifier(line.text, rule) && !codes.some((code) => normaliseIdentifier(line.text, rule).includes(code.slice(0, START_LENGTH + 2)))) {
      groups.push({ lines: [i], weight: 0 })
    }
  })
  const taken = new Set<number>()
  return groups
    .sort((a, b) => a.weight - b.weight)
    .filter((g) => !g.lines.some((i) => taken.has(i)) && g.lines.every((i) => taken.add(i)))
    .slice(0, MAX_REREADS_PER_PAGE)
    .map((g) => g.lines)
}

function union(boxes: Box[]): Box {
  const x = Math.min(...boxes.map((b) => b.x))
  const y = Math.min(...boxes.map((b) => b.y))
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y }
}

/** The lines of a region of the page read on their own, enlarged, in page coordinates. */
export async function readRegion(page: PreparedPage, box: Box, lineHeight: number): Promise<OcrLine[]> {
  // Half a line of margin above and below, a line's height on each side: the crop keeps the whole
  // print even where the first reading's box clipped a tilted line.
  const left = Math.max(0, Math.floor(box.x - lineHeight))
  const top = Math.max(0, Math.floor(box.y - lineHeight / 2))
  const width = Math.min(page.width - left, Math.ceil(box.width + 2 * lineHeight))
  const height = Math.min(page.height - top, Math.ceil(box.height + lineHeight))
  if (width < 4 || height < 4) return []
  const scale = Math.min(3, Math.max(1, TARGET_LINE_HEIGHT / Math.max(1, lineHeight)))
  const { data, info } = await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
    .extract({ left, top, width, height })
    .resize({ width: Math.round(width * scale), height: Math.round(height * scale), kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const grey = { data: info.channels === 1 ? data : data.filter((_, i) => i % info.channels === 0), width: info.width, height: info.height }
  // A block of its own (PSM 6): one line, or two when the identifier was split over lines.
  const { lines } = await recognise(toPgm(grey), PSM.SINGLE_BLOCK)
  return lines.map((l) => ({ ...l, box: { x: left + l.box.x / scale, y: top + l.box.y / scale, width: l.box.width / scale, height: l.box.height / scale } }))
}

/** The page's lines with each doubtful group replaced by its second reading when that reads better. */
export async function rereadDoubtful(page: PreparedPage, lines: readonly OcrLine[], rule: IdentifierRule, index: LedgerIndex | null, codes: readonly string[] = []): Promise<OcrLine[]> {
  const groups = doubtfulLines(lines, rule, index, codes)
  if (groups.length === 0) return [...lines]
  const replaced = new Map<number, OcrLine[]>()
  await Promise.all(groups.map(async (group) => {
    const own = group.map((i) => lines[i] as OcrLine)
    const height = Math.min(...own.map((l) => l.box.height / Math.max(1, l.text.split('\n').length)))
    const again = await readRegion(page, union(own.map((l) => l.box)), height)
    const [was, wasSure] = readingScore(own, rule, index)
    const [now, nowSure] = readingScore(again, rule, index)
    if (now > was || (now === was && now > 0 && nowSure > wasSure)) {
      replaced.set(group[0] as number, again)
      group.slice(1).forEach((i) => replaced.set(i, []))
    }
  }))
  return lines.flatMap((line, i) => replaced.get(i) ?? [line])
}
