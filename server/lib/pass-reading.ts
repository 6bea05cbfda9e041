// From what a scan or photo gave (codes decoded, OCR text) to pass identifiers a person can
// confirm. Pure functions: the OCR jobs call them with the text and the procedure's rule, and
// the review screen shows each result with how it was obtained and why.
//
// The parts: pass-reading-classes (what each position holds, the confusions), pass-reading-text
// (finding candidates in the text), pass-reading-ledger (the index of issued passes, snapping).

import { checkIdentifier } from './pass-identifier.ts'
import type { IdentifierRule } from './pass-identifier.ts'
import { CLASS_FIX_CONFIDENCE, decide, PATTERN_ONLY_CONFIDENCE, snapToLedger } from './pass-reading-ledger.ts'
import type { LedgerIndex, Snap } from './pass-reading-ledger.ts'
import { candidatesFromText, compareRanks, pickNonOverlapping, readingsOf } from './pass-reading-text.ts'
import type { Found } from './pass-reading-text.ts'

export { isConfusion, positionClasses } from './pass-reading-classes.ts'
export type { PositionClass } from './pass-reading-classes.ts'
export { candidatesFromText } from './pass-reading-text.ts'
export type { Candidate } from './pass-reading-text.ts'
export {
  AMBIGUOUS_CONFIDENCE,
  CLASS_FIX_CONFIDENCE,
  createLedgerIndex,
  EDIT_CONFIDENCE,
  MAX_ALTERNATIVES,
  oneEditNeighbours,
  PATTERN_ONLY_CONFIDENCE,
  RUNNER_UP_FACTOR,
  snapToLedger,
  UNMATCHED_CONFIDENCE,
} from './pass-reading-ledger.ts'
export type { EditKind, LedgerIndex, Neighbour, Snap, SnapHow, SnapInput } from './pass-reading-ledger.ts'

/**
 * code: decoded from a QR code or barcode; exact: read as is and issued (or, with no ledger
 * loaded, matching the pattern); corrected: changed to get there; unmatched: a person decides.
 */
export type ReadHow = 'code' | 'exact' | 'corrected' | 'unmatched'

export interface ReadIdentifier {
  identifier: string
  how: ReadHow
  /** 0..1: how likely the identifier is the pass's. */
  confidence: number
  /** Other issued identifiers that could be the pass, for the person to choose from. */
  alternatives: string[]
  /** What was read: the decoded payload, or the text from start to end. */
  raw: string
  /** Offsets of raw in the OCR text (null for a code). */
  start: number | null
  end: number | null
  /** Whether the ledger holds the identifier; null when no ledger is loaded. */
  inLedger: boolean | null
  /** For the review screen, in French: how the identifier was obtained. */
  note: string
}

const HOW_RANK: Readonly<Record<Snap['how'], number>> = { exact: 0, corrected: 1, unmatched: 2 }

/** A code holds the identifier itself, or a text around it (a URL): only an exact reading counts. */
export function identifiersInCode(payload: string, rule: IdentifierRule): string[] {
  const checked = checkIdentifier(payload, rule)
  if (checked.ok) return [checked.value]
  return candidatesFromText(payload, rule)
    .filter((c) => c.corrections === 0)
    .map((c) => c.identifier)
}

function describeChange(read: string, identifier: string): string {
  if (read.length !== identifier.length) return read.length > identifier.length ? 'un caractère en trop' : 'un caractère manquant'
  const changes: string[] = []
  for (let i = 0; i < read.length; i++) {
    if (read[i] !== identifier[i]) changes.push(`« ${read[i] ?? ''} » lu pour « ${identifier[i] ?? ''} »`)
  }
  return changes.length > 0 ? changes.join(', ') : 'signes parasites retirés'
}

function ledgerNote(inLedger: boolean | null): string {
  if (inLedger === null) return 'Aucun registre des pass émis n’est chargé pour le vérifier.'
  return inLedger ? 'Présent dans le registre des pass émis.' : 'Absent du registre des pass émis : à vérifier.'
}

function noteFor(how: ReadHow, found: Found | null, snap: Snap, inLedger: boolean | null): string {
  const shown = found === null ? snap.identifier : found.raw.replace(/\s+/gu, ' ')
  switch (how) {
    case 'code':
      return `Lu dans le QR code ou le code-barres du pass. ${ledgerNote(inLedger)}`
    case 'exact':
      return `Lu tel quel. ${ledgerNote(inLedger)}`
    case 'corrected':
      return `Lu « ${shown} », corrigé en ${snap.identifier} (${describeChange(found?.read ?? '', snap.identifier)}). ${ledgerNote(inLedger)}`
    case 'unmatched':
      return snap.alternatives.length > 0
        ? `Lu « ${shown} » : plusieurs pass émis sont possibles (${snap.alternatives.join(', ')}) ; choisissez le bon ou corrigez.`
        : `Lu « ${shown} » : absent du registre des pass émis, et aucun pass émis ne s’en approche à un caractère près.`
  }
}

interface Scored {
  readonly found: Found
  readonly snap: Snap
  readonly start: number
  readonly end: number
  readonly identifier: string
}

function scored(found: Found, snap: Snap): Scored {
  return { found, snap, start: found.start, end: found.end, identifier: snap.identifier }
}

const overlaps = (a: Found, b: Found): boolean => a.start < b.end && b.start < a.end

/** The text's readings, snapped to the ledger when there is one, one per stretch of text. */
function textResults(text: string, rule: IdentifierRule, index: LedgerIndex | null): Scored[] {
  const { readings, nearMisses } = readingsOf(text, rule, index)
  let pool: Scored[]
  if (index === null) {
    pool = readings.map((f) =>
      scored(f, { identifier: f.identifier, how: f.corrections === 0 ? 'exact' : 'corrected', confidence: PATTERN_ONLY_CONFIDENCE * CLASS_FIX_CONFIDENCE ** f.corrections, alternatives: [] }),
    )
  } else {
    const regular = readings.map((f) => scored(f, snapToLedger(f, index)))
    pool = [...regular]
    for (const miss of nearMisses) {
      // A stretch that matches the pattern is the reading there; a near miss may only replace it
      // when the ledger rejected it and the near miss covers whole pieces (not a bit of a word).
      const covered = regular.filter((r) => overlaps(r.found, miss.found))
      if (covered.length > 0 && (miss.found.cut > 0 || covered.some((r) => r.snap.how !== 'unmatched'))) continue
      pool.push(scored(miss.found, decide(miss.found.read, miss.neighbours)))
    }
  }
  return pickNonOverlapping(pool, (a, b) => HOW_RANK[a.snap.how] - HOW_RANK[b.snap.how] || b.snap.confidence - a.snap.confidence || compareRanks(a.found.rank, b.found.rank))
}

/**
 * Everything a page gave: identifiers decoded from codes first (how 'code', confidence 1), then
 * those read in the OCR text in text order, snapped to the ledger when one is loaded. Each
 * identifier appears once. Nothing here is final: a person confirms every line.
 */
export function readIdentifiers(text: string, rule: IdentifierRule, index: LedgerIndex | null, decoded: readonly string[] = []): ReadIdentifier[] {
  const results: ReadIdentifier[] = []
  const seen = new Set<string>()
  for (const payload of decoded) {
    for (const identifier of identifiersInCode(payload, rule)) {
      if (seen.has(identifier)) continue
      seen.add(identifier)
      const inLedger = index === null ? null : index.has(identifier)
      const snap: Snap = { identifier, how: 'exact', confidence: 1, alternatives: [] }
      results.push({ identifier, how: 'code', confidence: 1, alternatives: [], raw: payload, start: null, end: null, inLedger, note: noteFor('code', null, snap, inLedger) })
    }
  }
  for (const { found, snap } of textResults(text, rule, index)) {
    if (seen.has(snap.identifier)) continue
    seen.add(snap.identifier)
    const inLedger = index === null ? null : snap.how !== 'unmatched'
    results.push({
      identifier: snap.identifier,
      how: snap.how,
      confidence: snap.confidence,
      alternatives: snap.alternatives,
      raw: found.raw,
      start: found.start,
      end: found.end,
      inLedger,
      note: noteFor(snap.how, found, snap, inLedger),
    })
  }
  return results
}
