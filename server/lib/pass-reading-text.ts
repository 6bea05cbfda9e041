// Finding pass identifiers in OCR text. The text has noise, line breaks, lower case, punctuation,
// and identifiers split into pieces ("PN19 A000 0001"): OCR splits wherever the print has wider
// gaps. So every stretch of characters the pattern could match is tried (pass-reading-scan
// prepares them), and the best non-overlapping ones are kept.

import { checkIdentifier, MAX_IDENTIFIER_LENGTH, normaliseIdentifier } from './pass-identifier.ts'
import type { IdentifierRule } from './pass-identifier.ts'
import { isConfusion, isDigit, isLetter, positionClasses } from './pass-reading-classes.ts'
import { CLASS_FIX_CONFIDENCE, EDIT_CONFIDENCE, sortNeighbours } from './pass-reading-ledger.ts'
import type { EditKind, LedgerIndex, Neighbour } from './pass-reading-ledger.ts'
import { fitStretch, foundAt, HOLE, LETTER_OR_DIGIT, scanFixed, SKIP, unitAt, unitsOf } from './pass-reading-scan.ts'
import type { Candidate, FixedScan, Found } from './pass-reading-scan.ts'

export type { Candidate, Found } from './pass-reading-scan.ts'

export interface NearMiss {
  /** The stretch of text, with identifier = read (it does not fit the pattern as is). */
  found: Found
  /** Issued identifiers one edit away once the classes are applied, best first. */
  neighbours: Neighbour[]
}

function regularWindows(scan: FixedScan, rule: IdentifierRule): Found[] {
  const L = scan.classes.length
  const out: Found[] = []
  for (let s = 0; s + L <= scan.units.length; s++) {
    const fitted = fitStretch(scan, s, L, (k) => k)
    if (fitted === null) continue
    const checked = checkIdentifier(fitted.value, rule)
    if (checked.ok) out.push(foundAt(scan, s, L, checked.value, fitted.read, fitted.fixes))
  }
  return out
}

/**
 * Stretches one edit away from fitting the classes (a character that fits no class, one missing,
 * one extra) whose repair is an issued identifier. Only with a ledger: without one, nothing
 * says which repair is right.
 */
function nearMissWindows(scan: FixedScan, index: LedgerIndex): NearMiss[] {
  const L = scan.classes.length
  const n = scan.units.length
  const out: NearMiss[] = []
  const record = (s: number, count: number, read: string, hits: Map<string, Neighbour>): void => {
    if (hits.size === 0) return
    const found = foundAt(scan, s, count, read, read, 0)
    out.push({ found, neighbours: sortNeighbours([...hits.values()]) })
  }
  const hit = (hits: Map<string, Neighbour>, identifier: string, kind: EditKind, fixes: number): void => {
    const confidence = EDIT_CONFIDENCE[kind] * CLASS_FIX_CONFIDENCE ** fixes
    const previous = hits.get(identifier)
    if (previous === undefined || previous.confidence < confidence) hits.set(identifier, { identifier, kind, confidence })
  }
  for (let s = 0; s < n; s++) {
    // One character fits no class (an A in a digit position, a stray mark): substitute it.
    if (s + L <= n) {
      const failing: number[] = []
      for (let k = 0; k < L && failing.length < 2; k++) if (scan.fits[(s + k) * L + k] === null) failing.push(k)
      const p = failing[0]
      if (failing.length === 1 && p !== undefined) {
        const fitted = fitStretch(scan, s, L, (k) => (k === p ? HOLE : k))
        const hits = new Map<string, Neighbour>()
        if (fitted !== null) {
          const was = unitAt(scan.units, s + p).norm
          for (const c of index.charsAt(L, p)) {
            const candidate = fitted.value.replace('\0', c)
            if (index.has(candidate)) hit(hits, candidate, isConfusion(was, c) ? 'confusion' : 'substitution', fitted.fixes)
          }
          record(s, L, fitted.read, hits)
        }
      }
    }
    // One character missing: L - 1 characters, a hole at class p filled from the ledger.
    if (L >= 2 && s + L - 1 <= n) {
      const hits = new Map<string, Neighbour>()
      let read = ''
      for (let p = 0; p < L; p++) {
        const stretch = fitStretch(scan, s, L - 1, (k) => (k < p ? k : k + 1))
        if (stretch === null) continue
        read = stretch.read
        const left = stretch.value.slice(0, p)
        const right = stretch.value.slice(p)
        for (const c of index.charsAt(L, p)) {
          const candidate = left + c + right
          if (index.has(candidate)) hit(hits, candidate, 'insertion', stretch.fixes)
        }
      }
      record(s, L - 1, read, hits)
    }
    // One character too many: L + 1 characters, one dropped.
    if (s + L + 1 <= n) {
      const hits = new Map<string, Neighbour>()
      let read = ''
      for (let p = 0; p <= L; p++) {
        const stretch = fitStretch(scan, s, L + 1, (k) => (k < p ? k : k === p ? SKIP : k - 1))
        if (stretch === null) continue
        read = stretch.read
        if (index.has(stretch.value)) hit(hits, stretch.value, 'deletion', stretch.fixes)
      }
      record(s, L + 1, read, hits)
    }
  }
  return out
}

const MAX_PIECES_JOINED = 6

/** How far a reading's shape (length, letters versus digits) is from the rule's example. */
function shapeDistance(value: string, example: string): number {
  const kind = (c: string | undefined): number => (c === undefined ? -1 : isDigit(c) ? 0 : isLetter(c) ? 1 : 2)
  let distance = 2 * Math.abs(value.length - example.length)
  for (let i = 0; i < Math.min(value.length, example.length); i++) if (kind(value[i]) !== kind(example[i])) distance += 1
  return distance
}

/**
 * For a pattern without fixed classes: whole pieces and runs of neighbouring pieces, trimmed of
 * punctuation, validated as they are. Punctuation the pattern never mentions splits pieces.
 */
function variableSegments(text: string, rule: IdentifierRule): Found[] {
  const isBoundary = (ch: string): boolean => !LETTER_OR_DIGIT.test(ch) && !rule.pattern.includes(ch)
  // Pieces are not joined without stripping (below), so gaps need no character.
  const units = unitsOf(text, rule, { isBoundary, dropSpecks: new Set(), keepGaps: false })
  const pieceFirst: number[] = []
  const pieceLast: number[] = []
  units.forEach((u, i) => {
    if (pieceFirst[u.piece] === undefined) pieceFirst[u.piece] = i
    pieceLast[u.piece] = i
  })
  const example = normaliseIdentifier(rule.example, rule)
  // Without stripping, a space would have to be in the identifier: do not join pieces.
  const maxJoined = rule.stripSeparators ? MAX_PIECES_JOINED : 1
  const seen = new Set<string>()
  const out: Found[] = []
  for (let i = 0; i < pieceFirst.length; i++) {
    for (let j = i; j < Math.min(pieceFirst.length, i + maxJoined); j++) {
      let lo = pieceFirst[i] ?? 0
      let hi = pieceLast[j] ?? -1
      if (unitAt(units, lo).block !== unitAt(units, hi).block) break
      while (lo <= hi && !unitAt(units, lo).alnum) lo++
      while (hi >= lo && !unitAt(units, hi).alnum) hi--
      if (lo > hi) continue
      if (hi - lo + 1 > MAX_IDENTIFIER_LENGTH) break
      const first = unitAt(units, lo)
      const last = unitAt(units, hi)
      const key = `${first.start}:${last.end}`
      if (seen.has(key)) continue
      seen.add(key)
      const read = units.slice(lo, hi + 1).map((u) => u.norm).join('')
      const checked = checkIdentifier(read, rule)
      if (!checked.ok) continue
      const pieces = j - i + 1
      out.push({ raw: text.slice(first.start, last.end), identifier: checked.value, corrections: 0, start: first.start, end: last.end, read, cut: 0, pieces, rank: [shapeDistance(checked.value, example), pieces, first.start] })
    }
  }
  return out
}

/**
 * Every reading of the text the rule accepts, overlapping ones included (the caller picks), and,
 * when a ledger is given and the pattern has fixed classes, the near misses it can repair.
 */
export function readingsOf(text: string, rule: IdentifierRule, index: LedgerIndex | null): { readings: Found[]; nearMisses: NearMiss[] } {
  const classes = positionClasses(rule)
  if (classes === null) return { readings: variableSegments(text, rule), nearMisses: [] }
  const scan = scanFixed(text, rule, classes)
  return { readings: regularWindows(scan, rule), nearMisses: index === null ? [] : nearMissWindows(scan, index) }
}

export function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * The best readings that do not share characters, each identifier once, in text order: one
 * stretch of text is one pass, and the same pass read twice is still one pass.
 */
export function pickNonOverlapping<T extends { readonly start: number; readonly end: number; readonly identifier: string }>(items: readonly T[], better: (a: T, b: T) => number): T[] {
  const taken: T[] = []
  const identifiers = new Set<string>()
  for (const item of [...items].sort(better)) {
    if (identifiers.has(item.identifier)) continue
    if (taken.some((t) => t.start < item.end && item.start < t.end)) continue
    taken.push(item)
    identifiers.add(item.identifier)
  }
  return taken.sort((a, b) => a.start - b.start)
}

/**
 * Identifier candidates in OCR text, in text order. With a fixed-width pattern, confusions are
 * fixed where the position's class says so (an O in a digit position is a 0, in a letter position
 * it stays an O); otherwise pieces are only validated. Each candidate matches the rule.
 */
export function candidatesFromText(text: string, rule: IdentifierRule): Candidate[] {
  const { readings } = readingsOf(text, rule, null)
  return pickNonOverlapping(readings, (a, b) => compareRanks(a.rank, b.rank)).map(({ raw, identifier, corrections, start, end }) => ({ raw, identifier, corrections, start, end }))
}
