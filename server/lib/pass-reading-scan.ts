// The OCR text as characters a pass identifier could be made of: whitespace removed but
// remembered (which piece each character came from, for joining split identifiers), separators
// stripped as the rule says, stray specks set aside, each character's offset kept so that a
// candidate points at the raw text (the review screen crops the image there).

import { normaliseIdentifier } from './pass-identifier.ts'
import type { IdentifierRule } from './pass-identifier.ts'
import { fitToClass } from './pass-reading-classes.ts'
import type { PositionClass } from './pass-reading-classes.ts'

export interface Candidate {
  /** The text as OCR gave it, from start to end. */
  raw: string
  /** Normalised with the rule, confusions fixed; always matches the rule's pattern. */
  identifier: string
  /** Confusions fixed (and stray specks dropped) to get there. */
  corrections: number
  /** Offsets in the original text (UTF-16, end exclusive). */
  start: number
  end: number
}

/** A candidate with what ranking and explaining it need; shared by the reading modules. */
export interface Found extends Candidate {
  /** The characters as read, normalised but not corrected, to explain a correction to a person. */
  read: string
  /** Letters or digits of the first and last pieces left outside: a cut into a word is less likely. */
  cut: number
  /** Whitespace-separated pieces joined. */
  pieces: number
  /** Sort key, smaller is better, compared item by item. */
  rank: readonly number[]
}

export interface Unit {
  readonly raw: string
  /** After the rule's normalisation; ' ' for the gap between pieces when separators are kept. */
  readonly norm: string
  readonly start: number
  readonly end: number
  readonly piece: number
  /** Pieces in one block are separated by whitespace only; punctuation starts a new block. */
  readonly block: number
  /** Specks dropped just before this character. */
  readonly specks: number
  readonly alnum: boolean
}

const WHITESPACE = /^\s$/u
export const LETTER_OR_DIGIT = /^[\p{L}\p{N}]$/u
// Dust and stray marks OCR turns into punctuation inside a number. Dropped (and counted as a
// correction) between the characters of a fixed-width identifier unless the pattern uses them.
export const SPECKS: ReadonlySet<string> = new Set([',', ';', ':', "'", '’', '‘', '`', '´', '"', '·'])

export interface UnitOptions {
  /** Characters that end a piece and start a new block (never joined across). */
  readonly isBoundary: (ch: string) => boolean
  /** Specks to set aside, counted on the next character. */
  readonly dropSpecks: ReadonlySet<string>
  /** Keep one ' ' for each whitespace gap (when the rule keeps separators, it decides about spaces). */
  readonly keepGaps: boolean
}

export function unitsOf(text: string, rule: IdentifierRule, { isBoundary, dropSpecks, keepGaps }: UnitOptions): Unit[] {
  const units: Unit[] = []
  let piece = -1
  let block = 0
  let inPiece = false
  let gapAt = -1
  let specks = 0
  for (let i = 0; i < text.length; ) {
    const ch = String.fromCodePoint(text.codePointAt(i) ?? 0)
    const at = i
    i += ch.length
    if (WHITESPACE.test(ch)) {
      if (inPiece) gapAt = at
      inPiece = false
      continue
    }
    const norm = normaliseIdentifier(ch, rule)
    if (norm === '') continue // invisible, or a separator the rule strips
    if (isBoundary(ch)) {
      block += 1
      inPiece = false
      gapAt = -1
      continue
    }
    if (dropSpecks.has(ch)) {
      specks += 1
      continue
    }
    if (!inPiece) {
      piece += 1
      inPiece = true
      // Without stripping, the rule decides whether a space belongs: keep one as a character.
      if (keepGaps && gapAt >= 0 && units.length > 0) units.push({ raw: ' ', norm: ' ', start: gapAt, end: gapAt + 1, piece, block, specks: 0, alnum: false })
      gapAt = -1
    }
    units.push({ raw: ch, norm, start: at, end: i, piece, block, specks, alnum: LETTER_OR_DIGIT.test(ch) })
    specks = 0
  }
  return units
}

export function unitAt(units: readonly Unit[], i: number): Unit {
  const u = units[i]
  if (u === undefined) throw new Error(`pass-reading: no character at ${i}`)
  return u
}

/** The text prepared once for a fixed-width pattern: its characters and how each fits each class. */
export interface FixedScan {
  readonly text: string
  readonly units: readonly Unit[]
  readonly classes: readonly PositionClass[]
  /** fits[u * L + k]: what character u becomes in position k, or null. */
  readonly fits: readonly (string | null)[]
  readonly alnumBefore: Int32Array
  readonly pieceFirst: readonly number[]
  readonly pieceLast: readonly number[]
}

export function scanFixed(text: string, rule: IdentifierRule, classes: readonly PositionClass[]): FixedScan {
  const literals = new Set(classes.filter((c) => c !== 'digit' && c !== 'letter' && c !== 'alnum'))
  const specks = new Set([...SPECKS].filter((c) => !literals.has(c)))
  const units = unitsOf(text, rule, { isBoundary: () => false, dropSpecks: specks, keepGaps: !rule.stripSeparators })
  const fits: (string | null)[] = []
  const alnumBefore = new Int32Array(units.length + 1)
  const pieceFirst: number[] = []
  const pieceLast: number[] = []
  units.forEach((u, i) => {
    for (const cls of classes) fits.push(fitToClass(u.raw, u.norm, cls))
    alnumBefore[i + 1] = (alnumBefore[i] ?? 0) + (u.alnum ? 1 : 0)
    if (pieceFirst[u.piece] === undefined) pieceFirst[u.piece] = i
    pieceLast[u.piece] = i
  })
  return { text, units, classes, fits, alnumBefore, pieceFirst, pieceLast }
}

export function foundAt(scan: FixedScan, s: number, count: number, identifier: string, read: string, fixes: number): Found {
  const first = unitAt(scan.units, s)
  const last = unitAt(scan.units, s + count - 1)
  const a = scan.alnumBefore
  const from = scan.pieceFirst[first.piece] ?? s
  const to = scan.pieceLast[last.piece] ?? s + count - 1
  const cut = (a[s] ?? 0) - (a[from] ?? 0) + (a[to + 1] ?? 0) - (a[s + count] ?? 0)
  const pieces = last.piece - first.piece + 1
  return { raw: scan.text.slice(first.start, last.end), identifier, corrections: fixes, start: first.start, end: last.end, read, cut, pieces, rank: [fixes, cut, pieces, first.start] }
}

export const HOLE = -1 // a class slot left as '\0' for the caller to fill from the ledger
export const SKIP = -2 // a character read but dropped (one too many)

/** Units s..s+count-1 fitted to the classes classAt(k) gives; null when one does not fit. */
export function fitStretch(scan: FixedScan, s: number, count: number, classAt: (k: number) => number): { value: string; read: string; fixes: number } | null {
  const L = scan.classes.length
  let value = ''
  let read = ''
  let fixes = 0
  for (let k = 0; k < count; k++) {
    const u = unitAt(scan.units, s + k)
    const cls = classAt(k)
    if (k > 0) fixes += u.specks
    read += u.norm
    if (cls === HOLE) value += '\0'
    if (cls < 0) continue
    const fit = scan.fits[(s + k) * L + cls]
    if (fit === null || fit === undefined) return null
    if (fit !== u.norm) fixes += 1
    value += fit
  }
  return { value, read, fixes }
}
