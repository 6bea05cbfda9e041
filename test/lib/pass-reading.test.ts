import t from 'tap'
import fc from 'fast-check'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  AMBIGUOUS_CONFIDENCE,
  EDIT_CONFIDENCE,
  PATTERN_ONLY_CONFIDENCE,
  RUNNER_UP_FACTOR,
  UNMATCHED_CONFIDENCE,
  candidatesFromText,
  createLedgerIndex,
  positionClasses,
  readIdentifiers,
  snapToLedger,
} from '../../server/lib/pass-reading.ts'
import type { IdentifierRule } from '../../server/lib/pass-identifier.ts'
import type { LedgerIndex } from '../../server/lib/pass-reading.ts'

// The shape used throughout: two fixed letters, two digits, a letter, seven digits.
const rule: IdentifierRule = { pattern: 'PN[0-9]{2}[A-Z][0-9]{7}', uppercase: true, stripSeparators: true, example: 'PN19A0000001' }
const loose: IdentifierRule = { pattern: '[A-Z0-9]{6,16}', uppercase: true, stripSeparators: true, example: 'PN2019A0001234' }

const ids = (text: string, r: IdentifierRule = rule): string[] => candidatesFromText(text, r).map((c) => c.identifier)

t.test('position classes are read from a simple fixed-width pattern', async (t) => {
  t.same(positionClasses(rule), ['P', 'N', 'digit', 'digit', 'letter', 'digit', 'digit', 'digit', 'digit', 'digit', 'digit', 'digit'])
  t.same(positionClasses({ ...rule, pattern: '^PN\\d{2}[A-Z0-9]{3}$' }), ['P', 'N', 'digit', 'digit', 'alnum', 'alnum', 'alnum'], '\\d, alnum and harmless anchors')
  t.same(positionClasses({ ...rule, pattern: '[0-9A-Z][A-Za-z]' }), ['alnum', 'letter'], 'lower case never reaches the regex when the rule upper-cases')
  t.same(positionClasses({ ...rule, pattern: 'X[A-HJ-NP-Z]' }), ['X', 'letter'], 'a subset of letters is still a letter position')
  for (const pattern of ['[A-Z0-9]{6,16}', '[A-Z]+', 'PN\\d?', 'A|B', '(PN)\\d{3}', 'PN.{3}', '\\w{4}', '[^0-9]{3}', 'PN\\d{2,3}']) {
    t.equal(positionClasses({ ...rule, pattern }), null, `${pattern}: no fixed class per position`)
  }
})

t.test('confusions are fixed only where the position class says so', async (t) => {
  const fixed = candidatesFromText('PN1S B0OO OOOl', rule)
  t.same(fixed.map((c) => [c.identifier, c.corrections]), [['PN15B0000001', 7]], 'S, five O and l in digit positions; the B in the letter position stays')
  t.same(ids('PN19O0000001'), ['PN19O0000001'], 'an O in a letter position stays an O')
  t.same(candidatesFromText('PN19O0000001', rule)[0]?.corrections, 0)
  t.same(ids('PN1900000001'), ['PN19O0000001'], 'a 0 in the letter position is an O')
  t.same(ids('PNI9 8DQ0 GTZ|'), ['PN19B0006721'], 'I D Q G T Z | in digit positions, 8 in the letter position')
  t.same(ids('PN1B 8000 000B'), ['PN18B0000008'], 'B is 8 in a digit position and stays B in the letter position')
  t.same(ids('PN19A000000I'), ['PN19A0000001'], 'the last position too')
  t.same(ids('PM19A0000001'), [], 'M is no lookalike of the literal N')

  const alnum: IdentifierRule = { ...rule, pattern: 'PN[A-Z0-9]{4}', example: 'PNAB12' }
  t.same(candidatesFromText('PNO0I1', alnum).map((c) => [c.identifier, c.corrections]), [['PNO0I1', 0]], 'either kind fits an alnum position: nothing to fix')
  const variable: IdentifierRule = { ...rule, pattern: '[0-9]{6,8}', example: '123456' }
  t.same(ids('l23456 123456', variable), ['123456'], 'without fixed classes the pattern only validates')
})

t.test('identifiers split by OCR are joined, across spaces and lines', async (t) => {
  t.same(ids('PN19 A000 0001'), ['PN19A0000001'])
  t.same(ids('N° PN19A0\n000001\nValeur 10,00 €'), ['PN19A0000001'], 'split over a line break')
  t.same(ids('P N 1 9 A 0 0 0 0 0 0 1'), ['PN19A0000001'], 'letter-spaced by OCR')
  t.same(ids('pn-19.a000_0001'), ['PN19A0000001'], 'the rule strips separators and upper-cases')
  t.same(ids('Valeur : 10,00 €  Carnet 000123  valable jusqu’au 31/12/2024'), [], 'nothing else on a pass matches')
})

t.test('the offsets point at the raw text', async (t) => {
  const text = '🎫 Pass n°PN19 aOOO,0001 — 10,00 €\nPN20B0001234'
  const found = candidatesFromText(text, rule)
  t.same(found.map((c) => c.identifier), ['PN19A0000001', 'PN20B0001234'], 'several passes, in text order')
  for (const c of found) t.equal(text.slice(c.start, c.end), c.raw, `${c.identifier} is text[start, end)`)
  t.equal(found[0]?.raw, 'PN19 aOOO,0001', 'from the first to the last character used, after the emoji surrogate pair and the n° prefix')
  t.equal(found[0]?.corrections, 4, 'three O and one comma speck')
})

t.test('candidates are deduplicated and never overlap', async (t) => {
  t.same(ids('PN19A0000001 … PN19 A000 0001'), ['PN19A0000001'], 'the same pass printed twice is one candidate')
  const overlapping = candidatesFromText('PN19A00000012 PN19A0000002', rule)
  t.same(overlapping.map((c) => c.identifier), ['PN19A0000001', 'PN19A0000002'])
  t.ok(overlapping.every((c, i) => i === 0 || (overlapping[i - 1]?.end ?? 0) <= c.start))
  const strict: IdentifierRule = { pattern: 'PN-[0-9]{4}', uppercase: true, stripSeparators: false, example: 'PN-2019' }
  t.same(ids('pn-2O19 PN 2019 PN-2019', strict), ['PN-2019'], 'without stripping the dash is required and spaces are not joined')
})

t.test('a loose pattern only validates, preferring the example’s shape', async (t) => {
  const found = ids('PN2019 A000 1234 valable', loose)
  t.equal(found[0], 'PN2019A0001234')
  t.same(ids('pass n° (PN2019A0001234)', loose).includes('PN2019A0001234'), true, 'brackets are trimmed')
})

const ledger = createLedgerIndex(['PN19A0000001', 'PN19A0000003', 'PN19A0000008', 'PN20B0001234', 'PN19O0000002', 'PN19A0000045', 'PN21C1234567'])

t.test('snapping to the ledger', async (t) => {
  t.same(snapToLedger('PN19A0000001', ledger), { identifier: 'PN19A0000001', how: 'exact', confidence: 1, alternatives: [] })
  t.same(snapToLedger({ identifier: 'PN19A0000001', corrections: 1 }, ledger).how, 'corrected', 'class fixes make it corrected, not read as is')

  const typo = snapToLedger('PN20B0001235', ledger)
  t.same(typo, { identifier: 'PN20B0001234', how: 'corrected', confidence: EDIT_CONFIDENCE.substitution, alternatives: [] }, 'one random substitution')

  const confusion = snapToLedger('PN19A000000B', ledger)
  t.equal(confusion.identifier, 'PN19A0000008', 'B↔8 is preferred over 1 and 3, also one substitution away')
  t.equal(confusion.how, 'corrected')
  t.same(confusion.alternatives, ['PN19A0000001', 'PN19A0000003'], 'the less likely ones are still listed')
  t.equal(confusion.confidence, EDIT_CONFIDENCE.confusion * RUNNER_UP_FACTOR)
  t.ok(confusion.confidence > EDIT_CONFIDENCE.substitution)

  const ambiguous = snapToLedger('PN19A0000009', ledger)
  t.same(ambiguous, { identifier: 'PN19A0000009', how: 'unmatched', confidence: AMBIGUOUS_CONFIDENCE, alternatives: ['PN19A0000001', 'PN19A0000003', 'PN19A0000008'] }, 'equally good: a person decides')
  const twoConfusions = snapToLedger('A0B', createLedgerIndex(['AOB', 'ADB', 'A7B']))
  t.same([twoConfusions.how, twoConfusions.alternatives], ['unmatched', ['ADB', 'AOB', 'A7B']], '0 could be O or D: still ambiguous')

  const variableLedger = createLedgerIndex(['PN2019A0001234', 'PN2019A0005678'])
  t.same(snapToLedger('PN2019A000124', variableLedger), { identifier: 'PN2019A0001234', how: 'corrected', confidence: EDIT_CONFIDENCE.insertion, alternatives: [] }, 'a character missing')
  t.same(snapToLedger('PN2019A00015678', variableLedger).identifier, 'PN2019A0005678', 'a character too many')
  t.same(snapToLedger('XX19A0000001', ledger), { identifier: 'XX19A0000001', how: 'unmatched', confidence: UNMATCHED_CONFIDENCE, alternatives: [] }, 'nothing within one edit')
})

t.test('readIdentifiers: codes first, then the text, each marked with how it was obtained', async (t) => {
  const text = 'N° PN19 A00O 0001\nPN19A000004\npn19a000X003 PN21C12345678 PN19A0000002 PN2OB0001234'
  const read = readIdentifiers(text, rule, ledger, ['https://pass.example/v/PN21C1234567', 'garbage'])
  t.same(read.map((r) => [r.identifier, r.how]), [
    ['PN21C1234567', 'code'],
    ['PN19A0000001', 'corrected'],
    ['PN19A0000045', 'corrected'],
    ['PN19A0000003', 'corrected'],
    ['PN19A0000002', 'unmatched'],
    ['PN20B0001234', 'corrected'],
  ])
  const [code, classFix, missing, wrongClass, unmatched, letterFix] = read
  t.match(code, { confidence: 1, start: null, inLedger: true, note: /QR code/ })
  t.match(classFix, { raw: 'PN19 A00O 0001', confidence: 0.95, inLedger: true, note: 'Lu « PN19 A00O 0001 », corrigé en PN19A0000001 (« O » lu pour « 0 »). Présent dans le registre des pass émis.' })
  t.match(missing, { raw: 'PN19A000004', confidence: EDIT_CONFIDENCE.insertion, note: /un caractère manquant/ })
  t.match(wrongClass, { raw: 'pn19a000X003', confidence: EDIT_CONFIDENCE.substitution }, 'an X fits no digit: the ledger fills it')
  t.match(unmatched, { alternatives: ['PN19A0000001', 'PN19A0000003', 'PN19A0000008', 'PN19O0000002'], inLedger: false }, 'four issued passes one substitution away (A and O are no confusion pair): a person chooses')
  t.match(letterFix, { confidence: 0.95 })
  t.notOk(read.some((r) => r.identifier === 'PN21C12345678'), 'the code already gave the pass the text repeats')
  for (const r of read) if (r.start !== null && r.end !== null) t.equal(text.slice(r.start, r.end), r.raw)

  const exact = readIdentifiers('PN20B0001234', rule, ledger)
  t.match(exact, [{ how: 'exact', confidence: 1, note: 'Lu tel quel. Présent dans le registre des pass émis.' }])
  const codeNotIssued = readIdentifiers('', rule, ledger, ['PN99Z9999999'])
  t.match(codeNotIssued, [{ how: 'code', confidence: 1, inLedger: false, note: /Absent du registre/ }])
})

t.test('readIdentifiers without a ledger trusts the pattern, less', async (t) => {
  const read = readIdentifiers('PN19A0000001 PN19AOOO0002', rule, null, ['PN19A0000001'])
  t.same(read.map((r) => [r.identifier, r.how, r.inLedger]), [['PN19A0000001', 'code', null], ['PN19A0000002', 'corrected', null]])
  const plain = readIdentifiers('PN19A0000003', rule, null)
  t.match(plain, [{ how: 'exact', confidence: PATTERN_ONLY_CONFIDENCE, note: /Aucun registre/ }])
})

// Letters OCR returns for a printed digit, and digits for a printed letter, as the issue lists them.
const DIGIT_LOOKALIKES: Record<string, string[]> = { '0': ['O', 'D', 'Q'], '1': ['I', 'l', '|'], '5': ['S'], '8': ['B'], '2': ['Z'], '6': ['G'], '7': ['T'] }
const LETTER_LOOKALIKES: Record<string, string[]> = { O: ['0'], I: ['1'], S: ['5'], B: ['8'], Z: ['2'], G: ['6'] }
const LEDGER_PAIRS: Record<string, string> = { '0': 'O', O: '0', '1': 'I', I: '1', '5': 'S', S: '5', '8': 'B', B: '8', '2': 'Z', Z: '2', '6': 'G', G: '6' }

const validId = fc.stringMatching(/^PN[0-9]{2}[A-Z][0-9]{7}$/)
const others = fc.sample(validId, { numRuns: 2000, seed: 7 })

/** A valid identifier with one position holding a character that has a lookalike, and that lookalike. */
const withConfusion = fc
  .tuple(validId, fc.integer({ min: 2, max: 11 }), fc.nat(), fc.nat())
  .map(([id, position, pick, pickLookalike]) => {
    const table = position === 4 ? LETTER_LOOKALIKES : DIGIT_LOOKALIKES
    const keys = Object.keys(table)
    const char = keys[pick % keys.length] ?? '0'
    const lookalikes = table[char] ?? []
    const original = id.slice(0, position) + char + id.slice(position + 1)
    const noisy = original.slice(0, position) + (lookalikes[pickLookalike % lookalikes.length] ?? '') + original.slice(position + 1)
    return { original, noisy }
  })

t.test('property: one injected confusion gives the original back, corrected', async (t) => {
  fc.assert(
    fc.property(withConfusion, fc.constantFrom('', 'N° ', 'Pass : '), ({ original, noisy }, prefix) => {
      const index = createLedgerIndex([original, ...others])
      const read = readIdentifiers(`${prefix}${noisy.slice(0, 4)} ${noisy.slice(4)}\n10,00 €`, rule, index)
      const candidates = candidatesFromText(noisy, rule)
      return read.length === 1 && read[0]?.identifier === original && read[0].how === 'corrected' && candidates[0]?.identifier === original && candidates[0].corrections === 1
    }),
    { numRuns: 500 },
  )
  t.pass('text path: the class says which way to fix')

  // Without classes (the ledger alone), a confusion pair is still undone.
  const ledgerConfusion = fc.tuple(validId, fc.integer({ min: 2, max: 11 }), fc.nat()).map(([id, position, pick]) => {
    const kinds = Object.keys(LEDGER_PAIRS).filter((c) => (position === 4 ? c >= 'A' : c < 'A'))
    const char = kinds[pick % kinds.length] ?? '0'
    const original = id.slice(0, position) + char + id.slice(position + 1)
    return { original, noisy: id.slice(0, position) + (LEDGER_PAIRS[char] ?? '') + id.slice(position + 1) }
  })
  fc.assert(
    fc.property(ledgerConfusion, ({ original, noisy }) => {
      const snap = snapToLedger(noisy, createLedgerIndex([original, ...others]))
      return snap.how === 'corrected' && snap.identifier === original && snap.confidence >= EDIT_CONFIDENCE.confusion * RUNNER_UP_FACTOR
    }),
    { numRuns: 300 },
  )
  t.pass('ledger path: a confusion pair is one likely edit')
})

t.test('property: the exact path is idempotent', async (t) => {
  const index = createLedgerIndex(others)
  fc.assert(
    fc.property(fc.constantFrom(...others), (id) => {
      const candidates = candidatesFromText(id, rule)
      const once = snapToLedger(id, index)
      const twice = snapToLedger(once.identifier, index)
      const read = readIdentifiers(once.identifier, rule, index)
      return (
        candidates.length === 1 && candidates[0]?.identifier === id && candidates[0].corrections === 0 &&
        once.how === 'exact' && once.identifier === id && twice.how === 'exact' && twice.identifier === id &&
        read.length === 1 && read[0]?.how === 'exact' && read[0].identifier === id
      )
    }),
    { numRuns: 500 },
  )
  t.pass('an issued identifier read as is comes back unchanged, however often')
})

// Deterministic so the scale figures are comparable between runs.
function mulberry32(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (() => void) | undefined
  gc?.()
}

t.test('scale: 1.1 million issued passes, 10 000 noisy readings', async (t) => {
  const random = mulberry32(2024)
  const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
  const digits = (n: number): string => String(Math.floor(random() * 10 ** n)).padStart(n, '0')
  const makeId = (): string => `PN${19 + Math.floor(random() * 6)}${LETTERS.charAt(Math.floor(random() * 26))}${digits(7)}`
  const sample: string[] = []
  function* issued(): Generator<string> {
    for (let i = 0; i < 1_100_000; i++) {
      const id = makeId()
      if (i % 110 === 0) sample.push(id)
      yield id
    }
  }

  collectGarbage()
  const heapBefore = process.memoryUsage().heapUsed
  const started = performance.now()
  const index: LedgerIndex = createLedgerIndex(issued())
  const buildMs = performance.now() - started
  collectGarbage()
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6
  t.comment(`index: ${index.size} identifiers built in ${buildMs.toFixed(0)} ms (generation included), heap +${heapMb.toFixed(0)} MB`)
  t.ok(index.size > 1_090_000)

  // Four kinds of noise, cycled: as is, a confusion pair, a random digit, a dropped digit.
  const lookalike: Record<string, string> = { '0': 'O', '1': 'I', '2': 'Z', '5': 'S', '6': 'G', '8': 'B' }
  const noisy = sample.map((id, i) => {
    const p = 5 + Math.floor(random() * 7)
    const c = id.charAt(p)
    switch (i % 4) {
      case 0: return { id, read: id }
      case 1: {
        const q = [...id].findIndex((d, k) => k >= 5 && lookalike[d] !== undefined)
        return { id, read: id.slice(0, q) + (lookalike[id.charAt(q)] ?? '') + id.slice(q + 1) }
      }
      case 2: return { id, read: id.slice(0, p) + String((Number(c) + 1 + Math.floor(random() * 9)) % 10) + id.slice(p + 1) }
      default: return { id, read: id.slice(0, p) + id.slice(p + 1) }
    }
  })
  const tally = { exact: 0, corrected: 0, unmatched: 0, right: 0, asIsExact: 0 }
  const snapStart = performance.now()
  for (const { id, read } of noisy) {
    const snap = snapToLedger(read, index)
    tally[snap.how] += 1
    if (snap.identifier === id) tally.right += 1
    if (read === id && snap.how === 'exact') tally.asIsExact += 1
  }
  const snapSeconds = (performance.now() - snapStart) / 1000
  t.comment(`snapToLedger: ${noisy.length} readings in ${(snapSeconds * 1000).toFixed(0)} ms = ${Math.round(noisy.length / snapSeconds)} snaps/s; ${JSON.stringify(tally)}`)

  const textTally = { right: 0 }
  const textStart = performance.now()
  for (const { id, read } of noisy) {
    const result = readIdentifiers(`PASS NUMÉRIQUE\nN° ${read.slice(0, 4)} ${read.slice(4, 8)} ${read.slice(8)}\nValeur : 10,00 €`, rule, index)
    if (result[0]?.identifier === id) textTally.right += 1
  }
  const textSeconds = (performance.now() - textStart) / 1000
  t.comment(`readIdentifiers on OCR-like text: ${Math.round(noisy.length / textSeconds)} pages/s; ${textTally.right}/${noisy.length} identifiers right`)

  t.equal(tally.asIsExact, noisy.length / 4, 'every reading as is is exact')
  t.ok(tally.right / noisy.length > 0.7, 'the unique one-edit repairs come back (ties stay for a person)')
  t.ok(textTally.right / noisy.length > 0.7)
})
