// Money is integer euro cents end to end (DOMAIN §6): a claim total must equal the sum of its
// lines to the cent, in the PDF, the CSV and the database alike. Floating point never touches it.

import { fail, ok } from './result.ts'
import type { InputError, Result } from './result.ts'

/** Whole euro cents; always a safe integer (|x| ≤ 2^53 − 1, i.e. about 90 000 milliards d'euros). */
export type Cents = number

export type MoneyInputErrorCode =
  | 'empty'
  | 'invalid_characters'
  | 'invalid_format'
  | 'misplaced_separator'
  | 'ambiguous_separator'
  | 'too_many_decimals'
  | 'too_large'

export type MoneyInputError = InputError<MoneyInputErrorCode>

/** A computation left the exact range: a bug or corrupt data, never a user mistake. */
export class UnsafeCentsError extends RangeError {
  override name = 'UnsafeCentsError'
}

const NBSP = '\u00A0'
const NARROW_NBSP = '\u202F'
// Any Unicode space: people paste amounts from spreadsheets, PDFs and web pages.
const SPACE = /\s/u
const SPACES = /\s+/gu

export function isCents(value: unknown): value is Cents {
  return typeof value === 'number' && Number.isSafeInteger(value)
}

function assertCents(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) throw new UnsafeCentsError(`${what} is not a safe integer number of cents: ${value}`)
}

function fromBigInt(value: bigint, what: string): Cents {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new UnsafeCentsError(`${what} is out of the safe integer range: ${value}`)
  }
  // `+ 0` turns a negative zero into zero so that -0 never leaks into comparisons or output.
  return Number(value) + 0
}

/**
 * Reads a Postgres `bigint` column: node-postgres returns it as a string (precision could exceed a
 * double), some drivers or casts give a number or a bigint. Anything not an exact integer throws.
 */
export function centsFromDb(value: string | number | bigint): Cents {
  if (typeof value === 'bigint') return fromBigInt(value, 'database amount')
  if (typeof value === 'number') {
    assertCents(value, 'database amount')
    return value + 0
  }
  if (!/^-?\d+$/.test(value)) throw new UnsafeCentsError(`database amount is not an integer: "${value}"`)
  return fromBigInt(BigInt(value), 'database amount')
}

/** Exact sum; throws rather than round if any value or partial sum leaves the safe range. */
export function sumCents(values: Iterable<Cents>): Cents {
  let total = 0
  for (const value of values) {
    assertCents(value, 'amount')
    total += value
    // Two safe integers add exactly unless the true sum is ≥ 2^53, which is then not safe.
    assertCents(total, 'sum')
  }
  return total + 0
}

/** `cents × count`, exact (e.g. 10 € × 37 passes). */
export function multiplyCents(cents: Cents, count: number): Cents {
  assertCents(cents, 'amount')
  if (!Number.isSafeInteger(count)) throw new UnsafeCentsError(`count is not a safe integer: ${count}`)
  return fromBigInt(BigInt(cents) * BigInt(count), 'product')
}

/** Floor division for bigints (BigInt `/` truncates towards zero). */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q
}

/**
 * `cents × rate`, the rate in basis points (10 000 = 100 %, 250 = 2,5 %).
 * Rounding: to the nearest cent, exact halves going up towards +∞ (0,5 c → 1 c, −0,5 c → 0 c),
 * computed on integers so that the result never depends on floating point. A compensation rate
 * applied per structure therefore rounds each structure's amount once, in the structure's favour.
 */
export function applyRate(cents: Cents, rateBasisPoints: number): Cents {
  assertCents(cents, 'amount')
  if (!Number.isSafeInteger(rateBasisPoints) || rateBasisPoints < 0) {
    throw new RangeError(`rate must be a non-negative integer number of basis points: ${rateBasisPoints}`)
  }
  const scaled = BigInt(cents) * BigInt(rateBasisPoints)
  return fromBigInt(floorDiv(scaled + 5_000n, 10_000n), 'rate result')
}

function groupThousands(digits: string, separator: string): string {
  const head = digits.length % 3 || 3
  const groups = [digits.slice(0, head)]
  for (let i = head; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3))
  return groups.join(separator)
}

function splitCents(cents: Cents): { sign: '' | '-'; euros: string; centimes: string } {
  assertCents(cents, 'amount')
  // Digits come from the integer's own decimal string, so no division can round.
  const digits = String(Math.abs(cents)).padStart(3, '0')
  return {
    sign: cents < 0 ? '-' : '',
    euros: digits.slice(0, -2),
    centimes: digits.slice(-2),
  }
}

export interface FormatEurosOptions {
  /**
   * true (default): thousands separated by U+00A0, which pdf-lib's WinAnsi fonts can draw.
   * false: U+202F (narrow no-break space) as `Intl` fr-FR prints it — finer typography for web
   * pages only, since WinAnsi cannot encode U+202F and a PDF would fail to render it.
   */
  readonly pdfSafe?: boolean
}

/** "1 234,56 €" (no-break spaces), negatives as "-1 234,56 €". */
export function formatEuros(cents: Cents, options: FormatEurosOptions = {}): string {
  const separator = options.pdfSafe === false ? NARROW_NBSP : NBSP
  const { sign, euros, centimes } = splitCents(cents)
  return `${sign}${groupThousands(euros, separator)},${centimes}${NBSP}€`
}

/** "-1234,56": no grouping, no symbol, for CSV and spreadsheet cells. */
export function formatDecimal(cents: Cents, decimalSeparator: ',' | '.' = ','): string {
  const { sign, euros, centimes } = splitCents(cents)
  return `${sign}${euros}${decimalSeparator}${centimes}`
}

const example = '1 234,56'

function splitGroups(integerPart: string, original: string): Result<string, MoneyInputError> {
  const hasSpace = SPACE.test(integerPart)
  const hasDot = integerPart.includes('.')
  if (hasSpace && hasDot) {
    return fail('misplaced_separator', `« ${original} » mélange espaces et points entre les milliers : gardez l’un ou l’autre, par exemple ${example}.`)
  }
  if (!hasSpace && !hasDot) return ok(integerPart)
  const groups = integerPart.split(hasDot ? '.' : SPACES)
  const [first, ...rest] = groups
  if (first === undefined || !/^\d{1,3}$/.test(first) || rest.some((group) => !/^\d{3}$/.test(group))) {
    return fail('misplaced_separator', `Dans « ${original} », les chiffres doivent être groupés par trois (par exemple ${example}) : vérifiez les espaces ou les points.`)
  }
  return ok(groups.join(''))
}

/** Decides which character separates the centimes: the comma in French, a lone dot when unambiguous. */
function splitDecimal(body: string, original: string): Result<{ integerPart: string; fraction: string }, MoneyInputError> {
  const commas = body.split(',').length - 1
  if (commas > 1) return fail('invalid_format', `« ${original} » contient plusieurs virgules ; écrivez par exemple ${example}.`)
  if (commas === 1) {
    const [integerPart = '', fraction = ''] = body.split(',')
    return ok({ integerPart, fraction })
  }
  const dots = body.split('.').length - 1
  if (dots !== 1) return ok({ integerPart: body, fraction: '' })
  const [integerPart = '', fraction = ''] = body.split('.')
  if (/^\d{3}$/.test(fraction) && !SPACE.test(integerPart)) {
    // "1.234": a thousands dot (French) or three decimals (English)? Guessing could be off by 1000×.
    return fail('ambiguous_separator', `« ${original} » est ambigu : écrivez ${integerPart}${fraction} s’il s’agit de milliers d’euros, ou mettez une virgule avant les centimes (par exemple ${integerPart},${fraction.slice(0, 2)}).`)
  }
  return ok({ integerPart, fraction })
}

/**
 * Reads an amount as people type it in French: "10", "10,5", "1 234,56 €", "1.234,56", "10.50",
 * with ordinary, no-break or narrow no-break spaces, an optional sign and "€"/"EUR".
 * Rejects rather than guesses: more than two decimals, badly grouped thousands, "1.234".
 * Negative amounts are accepted here; whether one makes sense is the caller's rule.
 */
export function parseEuros(input: string): Result<Cents, MoneyInputError> {
  const original = input.trim()
  if (original === '') return fail('empty', 'Saisissez un montant, par exemple 12,50 €.')
  const unwrapped = original
    .replace(/^(€|eur)\s*/iu, '')
    .replace(/\s*(€|eur|euros?)$/iu, '')
  const signMatch = /^([-+\u2212])\s*/u.exec(unwrapped)
  const negative = signMatch !== null && signMatch[1] !== '+'
  const body = unwrapped.slice(signMatch === null ? 0 : signMatch[0].length)
  if (!/^[\d\s.,]+$/u.test(body)) {
    return fail('invalid_characters', `« ${original} » n’est pas un montant : utilisez des chiffres et une virgule pour les centimes, par exemple ${example}.`)
  }
  const decimal = splitDecimal(body, original)
  if (!decimal.ok) return decimal
  const { integerPart, fraction } = decimal.value
  if (!/^\d*$/.test(fraction) || integerPart === '' || SPACE.test(integerPart.at(-1) ?? '') || SPACE.test(integerPart[0] ?? '')) {
    return fail('invalid_format', `« ${original} » n’est pas un montant lisible ; écrivez par exemple ${example}.`)
  }
  if (fraction.length > 2) {
    return fail('too_many_decimals', `« ${original} » a plus de deux chiffres après la virgule : un montant s’arrête aux centimes.`)
  }
  const digits = splitGroups(integerPart, original)
  if (!digits.ok) return digits
  const magnitude = BigInt(digits.value) * 100n + BigInt(fraction.padEnd(2, '0'))
  const value = negative ? -magnitude : magnitude
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    return fail('too_large', `« ${original} » est un montant trop grand pour être enregistré.`)
  }
  return ok(Number(value) + 0)
}
