import t from 'tap'
import fc from 'fast-check'
import {
  DEFAULT_IDENTIFIER_RULE,
  MAX_IDENTIFIER_LENGTH,
  checkIdentifier,
  compileIdentifierRule,
  normaliseIdentifier,
} from '../../server/lib/pass-identifier.ts'
import type { IdentifierRule } from '../../server/lib/pass-identifier.ts'

const rule = DEFAULT_IDENTIFIER_RULE

function checked(raw: string, r: IdentifierRule = rule): string {
  const result = checkIdentifier(raw, r)
  return result.ok ? result.value : result.error.code
}

t.test('the default rule is a valid configuration', async (t) => {
  const compiled = compileIdentifierRule(DEFAULT_IDENTIFIER_RULE)
  t.ok(compiled.ok)
  if (compiled.ok) t.ok(compiled.value.regex.test('PN2019A0001234'))
})

t.test('an identifier is accepted however people copy it', async (t) => {
  t.equal(checked('PN2019A0001234'), 'PN2019A0001234')
  t.equal(checked('  pn2019a0001234 '), 'PN2019A0001234', 'lower case and surrounding spaces')
  t.equal(checked('PN-2019-A000 1234'), 'PN2019A0001234', 'dashes and spaces')
  t.equal(checked('PN.2019_A0001234'), 'PN2019A0001234', 'dots and underscores')
  t.equal(checked('PN\u00A02019\u202FA0001234'), 'PN2019A0001234', 'no-break spaces from a PDF')
  t.equal(checked('PN2019\u200BA0001234'), 'PN2019A0001234', 'a zero-width space nobody can see')
})

t.test('a wrong identifier is refused with the expected shape in French', async (t) => {
  t.equal(checked(''), 'empty')
  t.equal(checked(' - . '), 'empty', 'only separators')
  t.equal(checked('PN-19'), 'pattern_mismatch', 'too short')
  t.equal(checked('PN2019A000123456789'), 'pattern_mismatch', 'too long')
  t.equal(checked('PN2019/A0001234'), 'pattern_mismatch', 'a slash is not a separator')
  t.equal(checked('X'.repeat(MAX_IDENTIFIER_LENGTH + 1)), 'pattern_mismatch', 'a pasted paragraph never reaches the regex')

  // With the operator's real shape configured, a truncated number is caught.
  const real: IdentifierRule = { ...rule, pattern: 'PN\\d{4}[A-Z]\\d{7}' }
  const mismatch = checkIdentifier('PN-2019', real)
  t.same(mismatch, { ok: false, error: { code: 'pattern_mismatch', message: '« PN-2019 » ne correspond pas au format des pass (exemple : PN2019A0001234).' } })
  const empty = checkIdentifier('  ', rule)
  t.match(empty, { ok: false, error: { code: 'empty', message: /PN2019A0001234/ } })
})

t.test('the normalisation follows the rule, not a constant', async (t) => {
  const strict: IdentifierRule = { pattern: 'pn-\\d{4}', uppercase: false, stripSeparators: false, example: 'pn-2019' }
  t.equal(checked('pn-2019', strict), 'pn-2019')
  t.equal(checked(' pn-2019 ', strict), 'pn-2019', 'surrounding spaces are always trimmed')
  t.equal(checked('PN-2019', strict), 'pattern_mismatch', 'no upper-casing: case matters')
  t.equal(checked('pn2019', strict), 'pattern_mismatch', 'no stripping: the dash is required')
  t.equal(normaliseIdentifier('a-b c', { ...rule, stripSeparators: false }), 'A-B C')
  t.equal(normaliseIdentifier('a-b c', { ...rule, uppercase: false }), 'abc')
})

t.test('the administrator gets a French reason for a bad configuration', async (t) => {
  const code = (r: IdentifierRule): string => {
    const result = compileIdentifierRule(r)
    return result.ok ? 'ok' : result.error.code
  }
  t.equal(code({ ...rule, pattern: '  ' }), 'empty_pattern')
  t.equal(code({ ...rule, pattern: '[A-Z' }), 'invalid_pattern')
  t.equal(code({ ...rule, pattern: '[A-Z0-9]*' }), 'matches_empty')
  t.equal(code({ ...rule, example: ' ' }), 'empty_example')
  t.equal(code({ ...rule, pattern: '\\d{14}' }), 'example_mismatch')
  t.equal(code({ ...rule, example: 'pn-2019-a000-1234' }), 'ok', 'the example is normalised like any input')
  t.equal(code({ ...rule, pattern: '^PN\\d{4}[A-Z]\\d{7}$' }), 'ok', 'anchors are harmless')

  const invalid = compileIdentifierRule({ ...rule, pattern: '(PN' })
  t.match(invalid, { ok: false, error: { message: /^Le format « \(PN » n’est pas une expression régulière valide/ } })
  const mismatch = compileIdentifierRule({ ...rule, pattern: '\\d{14}' })
  t.match(mismatch, { ok: false, error: { message: 'L’exemple « PN2019A0001234 » ne correspond pas au format « \\d{14} » : corrigez l’un ou l’autre.' } })
})

t.test('a compiled rule checks like the plain rule', async (t) => {
  const compiled = compileIdentifierRule({ pattern: 'PN\\d{4}[A-Z]\\d{7}', uppercase: true, stripSeparators: true, example: 'PN2019A0001234' })
  if (!compiled.ok) throw new Error('rule should compile')
  t.equal(checked('pn 2019 a 0001234', compiled.value), 'PN2019A0001234')
  t.equal(checked('PN2019A000123', compiled.value), 'pattern_mismatch')
})

t.test('property: normalisation is idempotent', async (t) => {
  const anyRule = fc.record({ pattern: fc.constant(rule.pattern), uppercase: fc.boolean(), stripSeparators: fc.boolean(), example: fc.constant(rule.example) })
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), anyRule, (raw, r) => {
      const once = normaliseIdentifier(raw, r)
      return normaliseIdentifier(once, r) === once
    }),
    { numRuns: 2000 },
  )
  t.pass('idempotent on arbitrary Unicode input')
})

t.test('property: a matching identifier still matches with separators added and lower case', async (t) => {
  const separator = fc.constantFrom(' ', '-', '.', '_', '\u00A0', '\u202F', '\u2013')
  const decorated = fc
    .stringMatching(/^[A-Z0-9]{6,16}$/)
    .chain((id) =>
      fc.tuple(
        fc.constant(id),
        fc.array(fc.tuple(separator, fc.boolean()), { minLength: id.length, maxLength: id.length }),
      ),
    )
  fc.assert(
    fc.property(decorated, ([id, decorations]) => {
      const messy = [...id].map((char, i) => {
        const [sep, lower] = decorations[i] ?? [' ', false]
        return `${i % 3 === 0 ? sep : ''}${lower ? char.toLowerCase() : char}`
      }).join('')
      const result = checkIdentifier(` ${messy} `, rule)
      return result.ok && result.value === id
    }),
    { numRuns: 1000 },
  )
  t.pass('separators and lower case never change the identifier')
})
