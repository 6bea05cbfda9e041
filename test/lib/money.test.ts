import t from 'tap'
import fc from 'fast-check'
import {
  UnsafeCentsError,
  applyRate,
  centsFromDb,
  formatDecimal,
  formatEuros,
  multiplyCents,
  parseEuros,
  sumCents,
} from '../../server/lib/money.ts'

const NBSP = '\u00A0'
const NNBSP = '\u202F'
const safeCents = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })

function parsed(input: string): number | string {
  const result = parseEuros(input)
  return result.ok ? result.value : result.error.code
}

t.test('parseEuros reads amounts as French people type them', async (t) => {
  const cases: Array<[string, number]> = [
    ['10', 1000],
    ['10,5', 1050],
    ['10,50', 1050],
    ['0,07', 7],
    ['1 234,56', 123456],
    [`1${NBSP}234,56${NBSP}€`, 123456],
    [`1${NNBSP}234,56${NBSP}€`, 123456],
    ['1 234,56 €', 123456],
    ['1.234,56', 123456],
    ['1.234.567,89', 123456789],
    ['1 234 567', 123456700],
    ['10.50', 1050],
    ['10.5', 1050],
    ['1 234.56', 123456],
    ['  12,30 EUR ', 1230],
    ['12 euros', 1200],
    ['€ 12', 1200],
    ['10,', 1000],
    ['-1 234,56 €', -123456],
    ['\u22125', -500],
    ['+5', 500],
    ['-0', 0],
  ]
  for (const [input, cents] of cases) t.equal(parsed(input), cents, JSON.stringify(input))
})

t.test('parseEuros refuses rather than guesses', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['   ', 'empty'],
    ['dix euros', 'invalid_characters'],
    ['12$', 'invalid_characters'],
    ['1,2,3', 'invalid_format'],
    [',50', 'invalid_format'],
    ['1,234.56', 'invalid_format'],
    ['10,505', 'too_many_decimals'],
    // A thousand in English habits, one euro in French: too dangerous to read either way.
    ['1,000', 'too_many_decimals'],
    ['1.234', 'ambiguous_separator'],
    ['12 34', 'misplaced_separator'],
    ['1 234.567,00', 'misplaced_separator'],
    ['1234.567.890', 'misplaced_separator'],
    ['100000000000000000', 'too_large'],
  ]
  for (const [input, code] of cases) t.equal(parsed(input), code, JSON.stringify(input))
})

t.test('every refusal explains itself in French', async (t) => {
  const result = parseEuros('1.234')
  t.notOk(result.ok)
  if (!result.ok) t.match(result.error.message, /ambigu.*1234.*1,23/)
  const decimals = parseEuros('10,505')
  if (!decimals.ok) t.match(decimals.error.message, /centimes/)
})

t.test('formatEuros writes "1 234,56 €" with no-break spaces WinAnsi fonts can draw', async (t) => {
  t.equal(formatEuros(123456), `1${NBSP}234,56${NBSP}€`)
  t.equal(formatEuros(0), `0,00${NBSP}€`)
  t.equal(formatEuros(5), `0,05${NBSP}€`)
  t.equal(formatEuros(100), `1,00${NBSP}€`)
  t.equal(formatEuros(99999), `999,99${NBSP}€`)
  t.equal(formatEuros(-123456), `-1${NBSP}234,56${NBSP}€`)
  t.equal(formatEuros(123456789012), `1${NBSP}234${NBSP}567${NBSP}890,12${NBSP}€`)
  t.equal(formatEuros(Number.MAX_SAFE_INTEGER), `90${NBSP}071${NBSP}992${NBSP}547${NBSP}409,91${NBSP}€`)
})

t.test('formatEuros with pdfSafe: false matches Intl fr-FR exactly (narrow no-break spaces)', async (t) => {
  const intl = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' })
  fc.assert(
    fc.property(safeCents, (cents) => {
      // Intl reads a decimal string exactly, so the comparison holds beyond 2^53 / 100.
      const decimal = `${formatDecimal(cents, '.')}`
      return formatEuros(cents, { pdfSafe: false }) === intl.format(decimal as `${number}`)
    }),
  )
  t.pass('identical to Intl for all safe cents')
})

t.test('property: formatted amounts never contain U+202F', async (t) => {
  fc.assert(fc.property(safeCents, (cents) => !formatEuros(cents).includes(NNBSP) && !formatEuros(cents, { pdfSafe: true }).includes(NNBSP)))
  t.pass()
})

t.test('property: parseEuros(formatEuros(x)) === x for every safe number of cents', async (t) => {
  fc.assert(
    fc.property(safeCents, (cents) => {
      const back = parseEuros(formatEuros(cents))
      const webBack = parseEuros(formatEuros(cents, { pdfSafe: false }))
      return back.ok && back.value === cents && webBack.ok && webBack.value === cents
    }),
  )
  t.pass()
})

t.test('property: the CSV decimal form reads back too', async (t) => {
  fc.assert(fc.property(safeCents, (cents) => {
    const back = parseEuros(formatDecimal(cents))
    return back.ok && back.value === cents
  }))
  t.pass()
})

t.test('formatDecimal gives spreadsheet cells without grouping or symbol', async (t) => {
  t.equal(formatDecimal(123456), '1234,56')
  t.equal(formatDecimal(-5, '.'), '-0.05')
})

t.test('sumCents is exact and refuses to round', async (t) => {
  t.equal(sumCents([]), 0)
  t.equal(sumCents([1000, 1000, 250]), 2250)
  // 0.1 + 0.2 in euros would be 0.30000000000000004; in cents it is 30.
  t.equal(sumCents([10, 20]), 30)
  t.equal(sumCents([Number.MAX_SAFE_INTEGER - 1, 1]), Number.MAX_SAFE_INTEGER)
  t.throws(() => sumCents([Number.MAX_SAFE_INTEGER, 1]), UnsafeCentsError)
  t.throws(() => sumCents([0.5]), UnsafeCentsError)
  t.throws(() => sumCents([Number.NaN]), UnsafeCentsError)
})

t.test('property: sums are exact (equal to the BigInt sum) whatever the order', async (t) => {
  const amount = fc.integer({ min: -1e12, max: 1e12 })
  fc.assert(
    fc.property(fc.array(amount, { maxLength: 200 }), (values) => {
      const exact = values.reduce((acc, v) => acc + BigInt(v), 0n)
      const total = sumCents(values)
      return BigInt(total) === exact && sumCents([...values].reverse()) === total
    }),
  )
  t.pass()
})

t.test('multiplyCents is exact: 37 passes of 10 € are 370 €', async (t) => {
  t.equal(multiplyCents(1000, 37), 37000)
  t.equal(multiplyCents(1000, 0), 0)
  t.ok(Object.is(multiplyCents(-1000, 0), 0), 'no negative zero')
  t.throws(() => multiplyCents(Number.MAX_SAFE_INTEGER, 2), UnsafeCentsError)
  t.throws(() => multiplyCents(1000, 1.5), UnsafeCentsError)
  fc.assert(fc.property(fc.integer({ min: -1e7, max: 1e7 }), fc.integer({ min: -1e6, max: 1e6 }), (cents, count) =>
    BigInt(multiplyCents(cents, count)) === BigInt(cents) * BigInt(count)))
})

t.test('applyRate takes basis points and rounds half up towards +∞', async (t) => {
  t.equal(applyRate(123456, 10000), 123456, '100 %')
  t.equal(applyRate(123456, 0), 0, '0 %')
  t.equal(applyRate(1000, 2500), 250, '25 % of 10 €')
  t.equal(applyRate(1, 5000), 1, '0,5 c rounds up to 1 c')
  t.equal(applyRate(3, 5000), 2, '1,5 c rounds up to 2 c')
  t.equal(applyRate(-1, 5000), 0, '-0,5 c rounds up to 0 c (towards +∞)')
  t.equal(applyRate(-3, 5000), -1, '-1,5 c rounds up to -1 c')
  t.equal(applyRate(1, 4999), 0, 'just under half rounds down')
  t.equal(applyRate(1000, 400), 40, "the operator's 4 % fee on a 10 € pass")
  t.throws(() => applyRate(1000, 12.5))
  t.throws(() => applyRate(1000, -1))
})

t.test('property: applyRate is the nearest cent, never off by more than half a cent', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 20000 }), (cents, rate) => {
      const result = BigInt(applyRate(cents, rate))
      const exactTimes10000 = BigInt(cents) * BigInt(rate)
      const error = result * 10000n - exactTimes10000 // in units of 1/10000 cent
      return error > -5000n && error <= 5000n
    }),
  )
  t.pass()
})

t.test('centsFromDb reads Postgres bigint values, whatever the driver hands over', async (t) => {
  t.equal(centsFromDb('123456'), 123456)
  t.equal(centsFromDb('-42'), -42)
  t.equal(centsFromDb(123456), 123456)
  t.equal(centsFromDb(123456n), 123456)
  t.equal(centsFromDb(String(Number.MAX_SAFE_INTEGER)), Number.MAX_SAFE_INTEGER)
  t.throws(() => centsFromDb('9007199254740992'), UnsafeCentsError, 'beyond 2^53 - 1')
  t.throws(() => centsFromDb(2n ** 60n), UnsafeCentsError)
  t.throws(() => centsFromDb('12.5'), UnsafeCentsError)
  t.throws(() => centsFromDb(''), UnsafeCentsError)
  t.throws(() => centsFromDb(1.5), UnsafeCentsError)
  fc.assert(fc.property(safeCents, (cents) => centsFromDb(String(cents)) === cents && centsFromDb(BigInt(cents)) === cents))
})
