// Near matches (DOMAIN §5): which identifiers count as one slip away, and in which order they are offered.
import t from 'tap'
import { nearVariants, rankNeighbours } from '../../server/lib/near-matches.ts'
import { positionClasses } from '../../server/lib/pass-reading-classes.ts'

const classes = positionClasses({ pattern: 'PN[0-9]{2}[A-Z][0-9]{7}', uppercase: true, stripSeparators: true, example: 'PN19A0000001' })

t.test('a substitution keeps to the class of its position; a swap exchanges two neighbours', async (t) => {
  const variants = nearVariants('PN19A0000001', classes)
  t.ok(variants.includes('PN19A0000002'), 'a digit position tries the other digits')
  t.ok(variants.includes('PN19B0000001'), 'a letter position tries the other letters')
  t.notOk(variants.includes('PN19A000000B'), 'never a letter where the pattern wants a digit')
  const substituted = variants.filter((v) => [...v].filter((c, i) => c !== 'PN19A0000001'[i]).length === 1)
  t.notOk(substituted.some((v) => !v.startsWith('PN')), 'no substitution at a literal position')
  t.ok(variants.includes('PN91A0000001'), 'adjacent swap')
  t.notOk(variants.includes('PN19A0000001'), 'never the identifier itself')
  // 2 digits × 9 + 1 letter × 25 + 7 digits × 9, and a swap at each of the 6 places where neighbours differ.
  t.equal(variants.length, 18 + 25 + 63 + 6)
  t.equal(new Set(variants).size, variants.length, 'each once')
})

t.test('an identifier of another length than the pattern tries any digit or letter everywhere', async (t) => {
  const variants = nearVariants('AB1', classes)
  t.equal(variants.length, 3 * 35 + 2)
  t.ok(variants.includes('8B1') && variants.includes('AB7') && variants.includes('BA1'))
})

t.test('OCR confusions come first, then swaps, then other substitutions; at most five', async (t) => {
  t.same(rankNeighbours('PN19A000000B', ['PN19A0000007', 'PN19A00000B0', 'PN19A0000008']), ['PN19A0000008', 'PN19A00000B0', 'PN19A0000007'])
  t.equal(rankNeighbours('PN19A0000001', ['PN19A0000002', 'PN19A0000003', 'PN19A0000004', 'PN19A0000005', 'PN19A0000006', 'PN19A0000009']).length, 5)
})
