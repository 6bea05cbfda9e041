// What each position of a pass identifier holds, read from the procedure's pattern, and the OCR
// confusions that this knowledge lets us undo. A correction is only safe where the pattern says
// which kind of character belongs: an O is a 0 in a digit position but a real O in a letter
// position. Only a simple fixed-width pattern says that; for anything else we do not guess and
// the pattern is only used to validate.

import { MAX_IDENTIFIER_LENGTH } from './pass-identifier.ts'
import type { IdentifierRule } from './pass-identifier.ts'

/**
 * 'digit' (0–9), 'letter' (A–Z), 'alnum' (either), or otherwise the single character a literal
 * position requires. (The intersection keeps editor completion for the three names.)
 */
export type PositionClass = 'digit' | 'letter' | 'alnum' | (string & Record<never, never>)

// Letter shapes OCR returns where a digit was printed. Lower case only where the glyph has the
// same shape in both cases (o, s, z) or is the classic l/1 confusion; '|' is a 1 or an I that lost
// its serifs.
const DIGIT_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ['O', '0'], ['o', '0'], ['D', '0'], ['Q', '0'],
  ['I', '1'], ['l', '1'], ['|', '1'],
  ['S', '5'], ['s', '5'],
  ['B', '8'],
  ['Z', '2'], ['z', '2'],
  ['G', '6'],
  ['T', '7'],
])

// Digit shapes OCR returns where a letter was printed.
const LETTER_LOOKALIKES: ReadonlyMap<string, string> = new Map([
  ['0', 'O'], ['1', 'I'], ['|', 'I'], ['5', 'S'], ['8', 'B'], ['2', 'Z'], ['6', 'G'],
])

// The same confusions as unordered pairs of normalised characters, for ledger snapping where no
// class is known: a B read where the ledger has an 8 is a likelier error than a random character.
const CONFUSION_PAIRS: ReadonlySet<string> = (() => {
  const pairs = new Set<string>()
  for (const [read, meant] of [...DIGIT_LOOKALIKES, ...LETTER_LOOKALIKES]) {
    if (!/^[A-Z0-9]$/u.test(read)) continue
    pairs.add(read + meant)
    pairs.add(meant + read)
  }
  return pairs
})()

/** Whether OCR commonly reads one of these two (normalised) characters for the other. */
export function isConfusion(a: string, b: string): boolean {
  return CONFUSION_PAIRS.has(a + b)
}

export const isDigit = (c: string): boolean => c.length === 1 && c >= '0' && c <= '9'
export const isLetter = (c: string): boolean => c.length === 1 && c >= 'A' && c <= 'Z'

/**
 * The character a position of this class takes for what OCR read (`raw`, and `normalised` by the
 * rule), or null when it cannot fit. It differs from `normalised` exactly when a confusion was fixed.
 */
export function fitToClass(raw: string, normalised: string, cls: PositionClass): string | null {
  switch (cls) {
    case 'digit':
      return isDigit(normalised) ? normalised : (DIGIT_LOOKALIKES.get(raw) ?? null)
    case 'letter':
      return isLetter(normalised) ? normalised : (LETTER_LOOKALIKES.get(raw) ?? null)
    case 'alnum':
      // Either kind is valid here, so nothing tells a confusion from the real character.
      return isDigit(normalised) || isLetter(normalised) ? normalised : null
    default:
      if (normalised === cls) return cls
      // A literal position says exactly what belongs: a 0 printed in "PN0" read as O is fixed.
      return DIGIT_LOOKALIKES.get(raw) === cls || LETTER_LOOKALIKES.get(raw) === cls ? cls : null
  }
}

const DIGIT_SET = '0123456789'
// Characters a pattern may escape to mean themselves.
const ESCAPABLE = '\\^$.|?*+()[]{}-/'
const SPECIAL = '^$.|?*+()[]{}'

/** A character set `[…]` as the class it amounts to, or null when it is not one we can use. */
function parseSet(body: string, uppercase: boolean): PositionClass | null {
  if (body.startsWith('^') || body === '') return null
  const chars = new Set<string>()
  let i = 0
  const next = (): string | null => {
    const c = body.charAt(i)
    if (c !== '\\') {
      i += 1
      return c
    }
    const e = body.charAt(i + 1)
    i += 2
    if (e === 'd') return 'DIGITS'
    return ESCAPABLE.includes(e) && e !== '' ? e : null
  }
  while (i < body.length) {
    const from = next()
    if (from === null) return null
    if (from === 'DIGITS') {
      for (const d of DIGIT_SET) chars.add(d)
      continue
    }
    if (body.charAt(i) === '-' && i + 1 < body.length) {
      i += 1
      const to = next()
      if (to === null || to === 'DIGITS' || to < from) return null
      for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) chars.add(String.fromCharCode(c))
    } else {
      chars.add(from)
    }
  }
  // After upper-casing, lower-case letters never reach the regex: [A-Za-z] is just [A-Z].
  if (uppercase) for (const c of [...chars]) if (c >= 'a' && c <= 'z') chars.delete(c)
  const all = [...chars]
  if (all.length === 0 || all.some((c) => c.charCodeAt(0) > 127)) return null
  if (all.length === 1) return all[0] ?? null
  // A subset (say letters without I and O) still tells digit from letter; the final regex
  // check rejects a letter the subset excludes.
  if (all.every(isDigit)) return 'digit'
  if (all.every(isLetter)) return 'letter'
  if (all.every((c) => isDigit(c) || isLetter(c))) return 'alnum'
  return null
}

function parseFixedPattern(rule: IdentifierRule): PositionClass[] | null {
  let source = rule.pattern.trim()
  // Anchors are harmless (the pattern is matched in full anyway), so tolerate them.
  if (source.startsWith('^')) source = source.slice(1)
  if (source.endsWith('$') && !source.endsWith('\\$')) source = source.slice(0, -1)
  const out: PositionClass[] = []
  let i = 0
  while (i < source.length) {
    const c = source.charAt(i)
    let atom: PositionClass | null
    if (c === '\\') {
      const e = source.charAt(i + 1)
      atom = e === 'd' ? 'digit' : ESCAPABLE.includes(e) && e !== '' ? e : null
      i += 2
    } else if (c === '[') {
      const close = source.slice(i + 1).search(/(?<!\\)\]/u)
      if (close < 0) return null
      atom = parseSet(source.slice(i + 1, i + 1 + close), rule.uppercase)
      i += close + 2
    } else if (SPECIAL.includes(c) || c.charCodeAt(0) > 127 || c.charCodeAt(0) < 32) {
      // Alternation, groups, wildcards, variable quantifiers: no fixed class per position.
      return null
    } else {
      atom = c
      i += 1
    }
    if (atom === null) return null
    let count = 1
    const quantifier = /^\{(\d+)\}/u.exec(source.slice(i))
    if (quantifier) {
      count = Number(quantifier[1])
      i += quantifier[0].length
    } else if (i < source.length && '?*+{'.includes(source.charAt(i))) {
      return null
    }
    if (out.length + count > MAX_IDENTIFIER_LENGTH) return null
    for (let k = 0; k < count; k++) out.push(atom)
  }
  return out.length > 0 ? out : null
}

const classCache = new WeakMap<IdentifierRule, readonly PositionClass[] | null>()

/**
 * The class of each position when the rule's pattern is a plain sequence of fixed-width classes
 * (literals, [A-Z], [0-9] or \d, [A-Z0-9], each optionally {n}), e.g. PN[0-9]{2}[A-Z][0-9]{7};
 * null otherwise, and confusions are then not corrected.
 */
export function positionClasses(rule: IdentifierRule): readonly PositionClass[] | null {
  const cached = classCache.get(rule)
  if (cached !== undefined) return cached
  const classes = parseFixedPattern(rule)
  const frozen = classes === null ? null : Object.freeze(classes)
  classCache.set(rule, frozen)
  return frozen
}
