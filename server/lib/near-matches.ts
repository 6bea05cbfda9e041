// Identifiers one typing or reading slip away from a declared one that the ledger does not know
// (DOMAIN §5, status "unknown": suggest near matches). The variants are generated here and looked
// up in the ledger by the caller; the pattern's position classes keep the list short (a digit
// position only tries digits), and OCR confusions (O/0, B/8…) rank first.

import { isConfusion, type PositionClass } from './pass-reading-classes.ts'

const DIGITS = '0123456789'
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

function alphabet(cls: PositionClass | undefined): string {
  if (cls === 'digit') return DIGITS
  if (cls === 'letter') return LETTERS
  if (cls === 'alnum' || cls === undefined) return DIGITS + LETTERS
  return cls // a literal position: nothing else fits
}

/** Every identifier one substitution (within the position's class) or one adjacent swap away. */
export function nearVariants(identifier: string, classes: readonly PositionClass[] | null): string[] {
  const fixed = classes !== null && classes.length === identifier.length ? classes : null
  const out = new Set<string>()
  for (let i = 0; i < identifier.length; i++) {
    for (const c of alphabet(fixed?.[i])) {
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
