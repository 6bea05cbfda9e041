import t from 'tap'
import fc from 'fast-check'
import {
  SEPA_IBAN_LENGTHS,
  formatIban,
  formatSiret,
  formatSiren,
  maskIban,
  mod97,
  normaliseSiret,
  sirenOfSiret,
  validateBic,
  validateIban,
  validateSiren,
  validateSiret,
} from '../../server/lib/identifiers.ts'

const NBSP = '\u00A0'
const NNBSP = '\u202F'

function code<T>(result: { ok: true; value: T } | { ok: false; error: { code: string } }): T | string {
  return result.ok ? result.value : result.error.code
}

/** Independent Luhn key, computed the textbook way, to build valid numbers. */
function luhnCheckDigit(body: string): string {
  let sum = 0
  ;[...body].reverse().forEach((char, index) => {
    const doubled = index % 2 === 0 ? Number(char) * 2 : Number(char)
    sum += doubled > 9 ? doubled - 9 : doubled
  })
  return String((10 - (sum % 10)) % 10)
}

/** Independent ISO 13616 check digits, with BigInt rather than the module's chunked arithmetic. */
function ibanWithCheckDigits(country: string, bban: string): string {
  const numeric = [...`${bban}${country}00`].map((c) => String(Number.parseInt(c, 36))).join('')
  const check = 98n - (BigInt(numeric) % 97n)
  return `${country}${String(check).padStart(2, '0')}${bban}`
}

const digits = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: length, maxLength: length })
const separator = fc.constantFrom('', ' ', '.', '-', NBSP, NNBSP, '  ')
const validSiret = digits(13)
  .map((body) => body + luhnCheckDigit(body))
  .filter((siret) => !siret.startsWith('356000000'))

/** Splits a string at random points and joins the pieces with random separators. */
const spaced = (value: string) =>
  fc.array(separator, { minLength: value.length - 1, maxLength: value.length - 1 }).map((seps) =>
    [...value].map((char, i) => char + (seps[i] ?? '')).join(''))

t.test('known SIREN and SIRET numbers', async (t) => {
  t.equal(code(validateSiren('843739418')), '843739418', '#APTIC, the debtor')
  t.equal(code(validateSiren('843 739 418')), '843739418')
  t.equal(code(validateSiret('732 829 320 00074')), '73282932000074')
  t.equal(code(validateSiren('843739419')), 'checksum')
  t.equal(sirenOfSiret('732 829 320 00074'), '732829320')
  t.equal(formatSiren('843739418'), '843 739 418')
  t.equal(formatSiren('843 739 418'), '843 739 418', 'already grouped input stays the same')
  t.equal(formatSiret('73282932000074'), '732 829 320 00074')
})

t.test('La Poste: the digit sum of the SIRET is a multiple of 5, Luhn does not apply', async (t) => {
  t.equal(code(validateSiren('356000000')), '356000000', 'the SIREN itself keeps its Luhn key')
  t.equal(code(validateSiret('35600000000001')), '35600000000001', 'digit sum 15, fails Luhn, valid')
  t.equal(code(validateSiret('35600000000010')), '35600000000010', 'digit sum 15')
  t.equal(code(validateSiret('35600000000014')), 'checksum', 'digit sum 19')
  t.equal(code(validateSiret('35600000000048')), '35600000000048', 'the head office, which keeps a Luhn key (digit sum 26)')
  t.equal(code(validateSiret('35600000000049')), 'checksum')
})

t.test('property: other La Poste establishments are valid exactly when their digit sum is a multiple of 5', async (t) => {
  fc.assert(
    fc.property(digits(5), (nic) => {
      const siret = `356000000${nic}`
      fc.pre(siret !== '35600000000048')
      const sum = [...siret].reduce((acc, c) => acc + Number(c), 0)
      return validateSiret(siret).ok === (sum % 5 === 0)
    }),
  )
  t.pass()
})

t.test('SIRET errors say what is wrong, in French', async (t) => {
  const siren = validateSiret('843 739 418')
  t.equal(code(siren), 'looks_like_siren')
  if (!siren.ok) t.match(siren.error.message, /ressemble à un SIREN \(9 chiffres\) ; le SIRET en compte 14/)
  const short = validateSiret('7328293200007')
  t.equal(code(short), 'wrong_length')
  if (!short.ok) t.match(short.error.message, /14 chiffres.*13/)
  t.equal(code(validateSiret('7328293200007A')), 'not_digits')
  t.equal(code(validateSiret('  ')), 'empty')
  const typo = validateSiret('73282932000075')
  t.equal(code(typo), 'checksum')
  if (!typo.ok) t.match(typo.error.message, /clé de contrôle/)
  t.equal(code(validateSiren('73282932000074')), 'looks_like_siret')
  t.equal(code(validateSiren('12345')), 'wrong_length')
})

t.test('normaliseSiret strips spaces of every kind, dots and dashes', async (t) => {
  t.equal(normaliseSiret(`732${NBSP}829${NNBSP}320.000-74`), '73282932000074')
  t.equal(normaliseSiret('732\u2013829 320\t00074'), '73282932000074', 'en dash and tab')
})

t.test('property: a SIRET with a correct Luhn key validates, however it is spaced', async (t) => {
  fc.assert(
    fc.property(validSiret.chain((siret) => fc.tuple(fc.constant(siret), spaced(siret))), ([siret, typed]) => {
      const result = validateSiret(typed)
      return result.ok && result.value === siret && sirenOfSiret(typed) === siret.slice(0, 9)
    }),
  )
  t.pass()
})

t.test('property: changing any single digit breaks the Luhn key', async (t) => {
  fc.assert(
    fc.property(validSiret, fc.nat({ max: 13 }), fc.integer({ min: 1, max: 9 }), (siret, position, shift) => {
      const changed = String((Number(siret[position]) + shift) % 10)
      const typo = siret.slice(0, position) + changed + siret.slice(position + 1)
      fc.pre(!typo.startsWith('356000000'))
      return code(validateSiret(typo)) === 'checksum'
    }),
  )
  t.pass()
})

t.test('known IBANs (ISO 13616 registry examples and the usual French example)', async (t) => {
  t.equal(code(validateIban('FR76 3000 6000 0112 3456 7890 189')), 'FR7630006000011234567890189')
  t.equal(code(validateIban('fr1420041010050500013m02606')), 'FR1420041010050500013M02606', 'lower case, letters in the account number')
  t.equal(code(validateIban('IBAN : FR76 3000 6000 0112 3456 7890 189')), 'FR7630006000011234567890189', 'copied with its label')
  t.equal(code(validateIban('DE89 3704 0044 0532 0130 00')), 'DE89370400440532013000')
  t.equal(code(validateIban('GB82 WEST 1234 5698 7654 32')), 'GB82WEST12345698765432')
  t.equal(code(validateIban('BE68539007547034')), 'BE68539007547034')
  t.equal(code(validateIban('MT84MALT011000012345MTLCAST001S')), 'MT84MALT011000012345MTLCAST001S')
  t.equal(code(validateIban('NO9386011117947')), 'NO9386011117947')
})

t.test('IBAN errors', async (t) => {
  t.equal(code(validateIban('')), 'empty')
  t.equal(code(validateIban('FR76 3000 6000 0112 3456 7890 18')), 'wrong_length', 'a French IBAN has 27 characters')
  t.equal(code(validateIban('FR76 3000 6000 0112 3456 7890 198')), 'checksum')
  t.equal(code(validateIban('US12 3456 7890 1234')), 'unsupported_country')
  t.equal(code(validateIban('FR76 3000 6000 0112 3456 7890 18é')), 'invalid_characters')
  t.equal(code(validateIban('7630006000011234567890189')), 'invalid_characters', 'country code missing')
  const short = validateIban('FR763000600001123456789018')
  if (!short.ok) t.match(short.error.message, /27 caractères.*26/)
})

t.test('IBAN check digits 00, 01 and 99 are refused even though MOD 97 accepts them', async (t) => {
  // 00 ≡ 97, 01 ≡ 98 and 99 ≡ 02 modulo 97; ISO 13616 only issues 02–98.
  const twins: Record<string, string> = { '97': '00', '98': '01', '02': '99' }
  const found = new Map<string, string>()
  for (let n = 0; n < 10000 && found.size < 3; n++) {
    const iban = ibanWithCheckDigits('FR', `3000600001123456789${String(n).padStart(4, '0')}`)
    const twin = twins[iban.slice(2, 4)]
    if (twin !== undefined && !found.has(twin)) found.set(twin, `FR${twin}${iban.slice(4)}`)
  }
  t.equal(found.size, 3)
  for (const [twin, iban] of found) {
    t.equal(mod97(`${iban.slice(4)}${iban.slice(0, 4)}`), 1, `FR${twin}… passes MOD 97`)
    t.equal(code(validateIban(iban)), 'checksum', `FR${twin}… is refused`)
  }
})

const ibanChars = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const generatedIban = fc
  .constantFrom(...Object.entries(SEPA_IBAN_LENGTHS))
  .chain(([country, length]) =>
    fc.tuple(fc.constant(country), fc.string({ unit: fc.constantFrom(...ibanChars), minLength: length - 4, maxLength: length - 4 })))
  .map(([country, bban]) => ibanWithCheckDigits(country, bban))

t.test('property: IBANs with correct check digits validate, whatever the spacing and case', async (t) => {
  fc.assert(
    fc.property(generatedIban, fc.boolean(), (iban, lower) => {
      const typed = lower ? formatIban(iban).toLowerCase() : formatIban(iban)
      const result = validateIban(typed)
      return result.ok && result.value === iban
    }),
  )
  t.pass()
})

t.test('property: swapping two adjacent different digits is always caught', async (t) => {
  fc.assert(
    fc.property(generatedIban, fc.nat(), (iban, pick) => {
      const positions = [...iban].flatMap((char, i) => {
        const next = iban[i + 1]
        return /\d/.test(char) && next !== undefined && /\d/.test(next) && next !== char ? [i] : []
      })
      fc.pre(positions.length > 0)
      const i = positions[pick % positions.length] ?? 0
      const swapped = iban.slice(0, i) + iban[i + 1] + iban[i] + iban.slice(i + 2)
      return code(validateIban(swapped)) === 'checksum'
    }),
  )
  t.pass()
})

t.test('property: changing any single digit is always caught', async (t) => {
  fc.assert(
    fc.property(generatedIban, fc.nat(), fc.integer({ min: 1, max: 9 }), (iban, pick, shift) => {
      const positions = [...iban].flatMap((char, i) => (/\d/.test(char) ? [i] : []))
      const i = positions[pick % positions.length] ?? 2
      const typo = iban.slice(0, i) + String((Number(iban[i]) + shift) % 10) + iban.slice(i + 1)
      return code(validateIban(typo)) === 'checksum'
    }),
  )
  t.pass()
})

t.test('IBAN display: groups of four, and a mask keeping the country, check digits and last four', async (t) => {
  t.equal(formatIban('FR7630006000011234567890189'), 'FR76 3000 6000 0112 3456 7890 189')
  t.equal(maskIban('FR7630006000011234567890189'), 'FR76 **** **** **** **** ***0 189')
  t.equal(maskIban('fr76 3000 6000 0112 3456 7890 189'), 'FR76 **** **** **** **** ***0 189')
  t.equal(maskIban('NO9386011117947'), 'NO93 **** ***7 947')
})

t.test('BIC: 8 or 11 characters in the ISO 9362 shape', async (t) => {
  t.equal(code(validateBic('BNPAFRPP')), 'BNPAFRPP')
  t.equal(code(validateBic('bnpa fr pp xxx')), 'BNPAFRPPXXX')
  t.equal(code(validateBic('CEPAFRPP331')), 'CEPAFRPP331')
  t.equal(code(validateBic('BNPARERX')), 'BNPARERX', 'a bank in La Réunion (country RE)')
  t.equal(code(validateBic('BNPAFRP')), 'wrong_length')
  t.equal(code(validateBic('BNPAFRPPXX')), 'wrong_length')
  t.equal(code(validateBic('BNPA12PP')), 'invalid_format', 'the country is two letters')
  t.equal(code(validateBic('BNPAFR-P*')), 'invalid_format')
  t.equal(code(validateBic('')), 'empty')
})
