// The identifier printed on a pass. Its format is not public (DOMAIN §4): the administrator
// configures it per procedure as a pattern plus a normalisation, so nothing here hard-codes it.
// Normalisation absorbs what people add when they copy a number from paper or a PDF (spaces,
// dashes, lower case) so that the same pass declared twice is recognised as the same pass.

import { fail, ok } from './result.ts'
import type { InputError, Result } from './result.ts'

export interface IdentifierRule {
  /** Regular expression source without anchors, matched in full against the normalised value. */
  readonly pattern: string
  /** Upper-case the value before matching (identifiers read aloud or typed are often lower case). */
  readonly uppercase: boolean
  /** Remove spaces, dashes, dots, underscores and no-break spaces before matching. */
  readonly stripSeparators: boolean
  /** A real-looking identifier, shown in every message so people see the expected shape. */
  readonly example: string
}

/** A plausible shape until the administrator enters the operator's real one. */
export const DEFAULT_IDENTIFIER_RULE: IdentifierRule = {
  pattern: '[A-Z0-9]{6,16}',
  uppercase: true,
  stripSeparators: true,
  example: 'PN2019A0001234',
}

/**
 * Longer inputs are refused before the regex runs: an administrator's pattern could backtrack
 * badly on a long pasted paragraph, and no printed identifier is that long.
 */
export const MAX_IDENTIFIER_LENGTH = 64

export type IdentifierRuleErrorCode = 'empty_pattern' | 'invalid_pattern' | 'matches_empty' | 'empty_example' | 'example_mismatch'
export type IdentifierErrorCode = 'empty' | 'pattern_mismatch'

export interface CompiledIdentifierRule extends IdentifierRule {
  readonly regex: RegExp
}

// Invisible characters are always removed: nobody can see them to fix them.
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/gu
// Spaces of any kind (incl. U+00A0, U+202F), hyphens and dashes, minus sign, dots, underscores.
const SEPARATORS = /[\s\-\u2010-\u2015\u2212._]/gu

function buildRegex(pattern: string): RegExp {
  // The 'u' flag is stricter about escapes, so a sloppy pattern fails at configuration time.
  return new RegExp(`^(?:${pattern})$`, 'u')
}

const compiledCache = new WeakMap<IdentifierRule, RegExp>()

function regexOf(rule: IdentifierRule): RegExp {
  if ('regex' in rule && rule.regex instanceof RegExp) return rule.regex
  let regex = compiledCache.get(rule)
  if (regex === undefined) {
    // A rule reaching this point was validated when configured: a bad pattern here is a bug.
    regex = buildRegex(rule.pattern)
    compiledCache.set(rule, regex)
  }
  return regex
}

/** Validates a rule as the administrator enters it; the messages are shown next to the form fields. */
export function compileIdentifierRule(rule: IdentifierRule): Result<CompiledIdentifierRule, InputError<IdentifierRuleErrorCode>> {
  const pattern = rule.pattern.trim()
  if (pattern === '') {
    return fail('empty_pattern', 'Saisissez le format des identifiants sous forme d’expression régulière, par exemple [A-Z0-9]{6,16}.')
  }
  let regex: RegExp
  try {
    regex = buildRegex(pattern)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    return fail('invalid_pattern', `Le format « ${pattern} » n’est pas une expression régulière valide (${detail}).`)
  }
  if (regex.test('')) {
    return fail('matches_empty', `Le format « ${pattern} » accepte un identifiant vide : exigez au moins un caractère, par exemple avec {6,16} ou +.`)
  }
  const example = rule.example.trim()
  if (example === '') return fail('empty_example', 'Saisissez un exemple d’identifiant tel qu’il est imprimé sur un pass.')
  const compiled: CompiledIdentifierRule = { ...rule, pattern, example, regex }
  const normalisedExample = normaliseIdentifier(example, compiled)
  if (!regex.test(normalisedExample)) {
    return fail('example_mismatch', `L’exemple « ${example} » ne correspond pas au format « ${pattern} » : corrigez l’un ou l’autre.`)
  }
  return ok(compiled)
}

/** What is compared and stored: the same pass always gives the same string. Idempotent. */
export function normaliseIdentifier(raw: string, rule: IdentifierRule): string {
  let value = raw.replace(INVISIBLE, '').trim()
  if (rule.uppercase) value = value.toUpperCase()
  if (rule.stripSeparators) value = value.replace(SEPARATORS, '')
  return value
}

/** Checks one identifier typed or imported by a structure; returns the normalised value. */
export function checkIdentifier(raw: string, rule: IdentifierRule): Result<string, InputError<IdentifierErrorCode>> {
  const shown = raw.trim()
  const value = normaliseIdentifier(raw, rule)
  if (value === '') {
    return fail('empty', `Saisissez le numéro imprimé sur le pass (exemple : ${rule.example}).`)
  }
  if (value.length > MAX_IDENTIFIER_LENGTH || !regexOf(rule).test(value)) {
    const quoted = shown.length > 40 ? `${shown.slice(0, 40)}…` : shown
    return fail('pattern_mismatch', `« ${quoted} » ne correspond pas au format des pass (exemple : ${rule.example}).`)
  }
  return ok(value)
}
