// Identifiers one typing or reading slip away from a declared one that the ledger does not know
// (DOMAIN §5, status "unknown": suggest near matches). Which variants to try is said here; the
// reconciliation generates and looks them up in SQL, next to the ledger. The pattern's position
// classes keep the list short (a digit position only tries digits), and OCR confusions (O/0,
// B/8…) rank first.

import { isConfusion, type PositionClass } from './pass-reading-classes.ts'

const DIGITS = '0123456789'
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

function alphabet(cls: PositionClass | undefined): string {
  if (cls === 'digit') return DIGITS
  if (cls === 'letter') return LETTERS
  if (cls === 'alnum' || cls === undefined) return DIGITS + LETTERS
  return cls // a literal position: nothing else fits
}

/** What may replace each position: the pattern's class there, or any digit or letter (reconciliation's SQL reads these). */
export function substitutionAlphabets(classes: readonly PositionClass[] | null): { byPosition: string[] | null; otherwise: string } {
  return { byPosition: classes === null ? null : classes.map(alphabet), otherwise: alphabet(undefined) }
}

/**
 * Every identifier one substitution (within the position's class) or one adjacent swap away: the
 * specification of the set-based lookup in reconciliation/near-matches.ts, which must find exactly these.
 */
export function nearVariants(identifier: string, classes: readonly PositionClass[] | null): string[] {
  const { byPosition, otherwise } = substitutionAlphabets(classes)
  const fixed = byPosition !== null && byPosition.length === identifier.length ? byPosition : null
  const out = new Set<string>()
  for (let i = 0; i < identifier.length; i++) {
    for (const c of fixed?.[i] ?? otherwise) {
      if (c !== identifier[i]) out.add(identifier.slice(0, i) + c + identifier.slice(i + 1))
    }
  }
  for (let i = 0; i + 1 < identifier.length; i++) {
    if (identifier[i] !== identifier[i + 1]) out.add(identifier.slice(0, i) + identifier[i + 1] + identifier[i] + identifier.slice(i + 2))
  }
  return [...out]
}

/** Orders found neighbours: OCR confusions first, then swaps, then other substitutions; stable otherwise. */
export function rankNeighbours(identifier: string, found: readonly string[], limit = 5): string[] {
  const score = (candidate: string): number => {
    const diffs: number[] = []
    for (let i = 0; i < candidate.length; i++) if (candidate[i] !== identifier[i]) diffs.push(i)
    const [first] = diffs
    if (diffs.length === 1 && first !== undefined && isConfusion(identifier[first] ?? '', candidate[first] ?? '')) return 0
    return diffs.length === 2 ? 1 : 2
  }
  return [...new Set(found)].sort((a, b) => score(a) - score(b) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit)
}
