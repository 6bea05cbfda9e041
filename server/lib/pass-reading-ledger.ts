// The ledger of issued passes (up to about 1.1 million identifiers), indexed to answer two
// questions fast: is this identifier issued, and which issued identifiers are one edit away from
// what OCR read.
//
// Design, measured on 1.1 million identifiers shaped PN[0-9]{2}[A-Z][0-9]{7}: a Set of the
// identifiers plus, for each length, the characters seen at each position. About 40 MB of heap
// over the strings themselves (77 MB with them), 0.8 s to build. One-edit neighbours are generated
// and looked up, not indexed: with the per-position alphabets a 12-character identifier needs
// about a hundred lookups for substitutions, about 17 000 snaps a second for a misread identifier
// (2 million a second for an exact one), far more than OCR produces. A wildcard map (one key per
// identifier and position) or a deletion-key map holds 13 million keys: 200 MB and 3.3 s for only
// 200 000 identifiers, so over 1 GB for the ledger, to save lookups we can afford to generate.

import { isConfusion } from './pass-reading-classes.ts'

export interface LedgerIndex {
  /** How many distinct identifiers the ledger holds. */
  readonly size: number
  has(identifier: string): boolean
  /** The characters issued identifiers of this length hold at this position ('' when none). */
  charsAt(length: number, position: number): string
}

/**
 * Indexes the issued identifiers, as stored (already normalised with the procedure's rule).
 * Takes any iterable so a caller can stream them from the database without an extra array.
 */
export function createLedgerIndex(identifiers: Iterable<string>): LedgerIndex {
  const ids = new Set<string>()
  // length → flags[position * 128 + ASCII code]: typed arrays, because 13 million Set.add calls
  // for the alphabets would cost more than the index itself.
  const ascii = new Map<number, Uint8Array>()
  const other = new Map<number, Map<number, Set<string>>>()
  for (const id of identifiers) {
    if (id.length === 0) continue
    const before = ids.size
    ids.add(id)
    if (ids.size === before) continue
    let flags = ascii.get(id.length)
    if (flags === undefined) {
      flags = new Uint8Array(id.length * 128)
      ascii.set(id.length, flags)
    }
    for (let i = 0; i < id.length; i++) {
      const code = id.charCodeAt(i)
      if (code < 128) {
        flags[i * 128 + code] = 1
      } else {
        const byPosition = other.get(id.length) ?? new Map<number, Set<string>>()
        other.set(id.length, byPosition)
        const chars = byPosition.get(i) ?? new Set<string>()
        byPosition.set(i, chars)
        chars.add(id.charAt(i))
      }
    }
  }
  const alphabets = new Map<number, string[]>()
  for (const [length, flags] of ascii) {
    const positions: string[] = []
    for (let i = 0; i < length; i++) {
      let chars = ''
      for (let code = 0; code < 128; code++) if (flags[i * 128 + code] === 1) chars += String.fromCharCode(code)
      for (const c of other.get(length)?.get(i) ?? []) chars += c
      positions.push(chars)
    }
    alphabets.set(length, positions)
  }
  return {
    size: ids.size,
    has: (identifier) => ids.has(identifier),
    charsAt: (length, position) => alphabets.get(length)?.[position] ?? '',
  }
}

/**
 * How an issued identifier differs from what was read: a substitution of a commonly confused
 * pair, any other substitution, a character the reading missed (insertion) or one it added
 * (deletion).
 */
export type EditKind = 'confusion' | 'substitution' | 'insertion' | 'deletion'

/**
 * How much each kind of edit lowers the confidence. A confusion pair is the usual OCR error, so it
 * is trusted more than a random substitution; a missing or extra character is the least likely.
 */
export const EDIT_CONFIDENCE: Readonly<Record<EditKind, number>> = {
  confusion: 0.85,
  substitution: 0.6,
  insertion: 0.5,
  deletion: 0.5,
}
/** Each confusion fixed from the position classes before snapping (O read in a digit position). */
export const CLASS_FIX_CONFIDENCE = 0.95
/** A correction that another, less likely, issued identifier could also explain. */
export const RUNNER_UP_FACTOR = 0.8
/** Read as is, matching the pattern, with no ledger to confirm it. */
export const PATTERN_ONLY_CONFIDENCE = 0.9
/** Not issued and nothing issued nearby: maybe misread twice, maybe not an issued pass. */
export const UNMATCHED_CONFIDENCE = 0.2
/** Several issued identifiers explain the reading equally well: a person must choose. */
export const AMBIGUOUS_CONFIDENCE = 0.1
/** The review screen shows a handful of choices, not a list to scroll. */
export const MAX_ALTERNATIVES = 10

export interface Neighbour {
  readonly identifier: string
  readonly kind: EditKind
  /** Confidence that this issued identifier is the pass that was read. */
  readonly confidence: number
}

export type SnapHow = 'exact' | 'corrected' | 'unmatched'

export interface Snap {
  identifier: string
  how: SnapHow
  confidence: number
  alternatives: string[]
}

/** Issued identifiers within one edit of `value`, best first (confusions before other edits). */
export function oneEditNeighbours(value: string, index: LedgerIndex, readConfidence = 1): Neighbour[] {
  const found = new Map<string, EditKind>()
  const note = (identifier: string, kind: EditKind): void => {
    const previous = found.get(identifier)
    if (previous === undefined || EDIT_CONFIDENCE[kind] > EDIT_CONFIDENCE[previous]) found.set(identifier, kind)
  }
  const n = value.length
  for (let i = 0; i < n; i++) {
    const here = value.charAt(i)
    const left = value.slice(0, i)
    const right = value.slice(i + 1)
    for (const c of index.charsAt(n, i)) {
      if (c === here) continue
      const candidate = left + c + right
      if (index.has(candidate)) note(candidate, isConfusion(here, c) ? 'confusion' : 'substitution')
    }
  }
  // Only worth trying when the ledger holds identifiers of that length (never, for a fixed format).
  if (n > 1 && index.charsAt(n - 1, 0) !== '') {
    for (let i = 0; i < n; i++) {
      if (i > 0 && value.charAt(i) === value.charAt(i - 1)) continue // same result as deleting i - 1
      const candidate = value.slice(0, i) + value.slice(i + 1)
      if (index.has(candidate)) note(candidate, 'deletion')
    }
  }
  for (let i = 0; i <= n; i++) {
    const left = value.slice(0, i)
    const right = value.slice(i)
    for (const c of index.charsAt(n + 1, i)) {
      const candidate = left + c + right
      if (index.has(candidate)) note(candidate, 'insertion')
    }
  }
  return sortNeighbours([...found].map(([identifier, kind]) => ({ identifier, kind, confidence: readConfidence * EDIT_CONFIDENCE[kind] })))
}

export function sortNeighbours(neighbours: Neighbour[]): Neighbour[] {
  return neighbours.sort((a, b) => b.confidence - a.confidence || (a.identifier < b.identifier ? -1 : a.identifier > b.identifier ? 1 : 0))
}

/**
 * The decision once the neighbours are known: the single best one is taken, a tie is left to a
 * person with the choices listed, and nothing nearby leaves the reading unmatched.
 */
export function decide(read: string, neighbours: readonly Neighbour[], readConfidence = 1): Snap {
  const best = neighbours[0]
  if (best === undefined) return { identifier: read, how: 'unmatched', confidence: UNMATCHED_CONFIDENCE * readConfidence, alternatives: [] }
  const alternatives = neighbours.slice(0, MAX_ALTERNATIVES).map((n) => n.identifier)
  const second = neighbours[1]
  if (second !== undefined && second.confidence === best.confidence) {
    return { identifier: read, how: 'unmatched', confidence: AMBIGUOUS_CONFIDENCE, alternatives }
  }
  return {
    identifier: best.identifier,
    how: 'corrected',
    confidence: best.confidence * (second === undefined ? 1 : RUNNER_UP_FACTOR),
    alternatives: alternatives.slice(1),
  }
}

/** A candidate read from text: its identifier and how many class-directed confusions were fixed. */
export interface SnapInput {
  readonly identifier: string
  readonly corrections?: number
}

/**
 * Snaps a reading to the ledger: 'exact' when it was read as is and is issued; 'corrected' when
 * it is issued after the class-directed fixes, or when a single issued identifier is one edit
 * away (confusion pairs preferred); otherwise 'unmatched', with the equally good choices listed.
 */
export function snapToLedger(candidate: string | SnapInput, index: LedgerIndex): Snap {
  const value = typeof candidate === 'string' ? candidate : candidate.identifier
  const fixes = typeof candidate === 'string' ? 0 : (candidate.corrections ?? 0)
  const readConfidence = CLASS_FIX_CONFIDENCE ** fixes
  if (index.has(value)) return { identifier: value, how: fixes === 0 ? 'exact' : 'corrected', confidence: readConfidence, alternatives: [] }
  if (value === '') return { identifier: value, how: 'unmatched', confidence: 0, alternatives: [] }
  return decide(value, oneEditNeighbours(value, index, readConfidence), readConfidence)
}
