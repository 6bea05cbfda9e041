// Sealed secrets: unreadable without the key, stable for the ORM, tamper-evident.
import t from 'tap'
import fc from 'fast-check'
import { isSealed, keyFrom, seal, unseal, unsealWithAny } from '../../server/lib/secret-box.ts'

const key = keyFrom('a test key of at least thirty-two characters')
const other = keyFrom('another key, also thirty-two characters or more')

t.test('round trip, deterministic, and the plaintext never appears', async (t) => {
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 64 }), (plain) => {
      const sealed = seal(plain, key)
      return isSealed(sealed) && unseal(sealed, key) === plain && seal(plain, key) === sealed && (plain.length < 4 || !sealed.includes(plain))
    }),
  )
  t.pass()
})

t.test('another key or a changed byte is refused, never silently decoded', async (t) => {
  const sealed = seal('JBSWY3DPEHPK3PXP', key)
  t.throws(() => unseal(sealed, other))
  const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA')
  t.throws(() => unseal(tampered, key))
})

t.test('a value stored before sealing is read as it is', async (t) => {
  t.equal(unseal('JBSWY3DPEHPK3PXP', key), 'JBSWY3DPEHPK3PXP')
  t.throws(() => keyFrom('short'))
})

t.test('during a rotation the current key is tried first, then the previous one', async (t) => {
  t.same(unsealWithAny(seal('JBSWY3DPEHPK3PXP', key), [key, other]), { plain: 'JBSWY3DPEHPK3PXP', keyIndex: 0 })
  t.same(unsealWithAny(seal('JBSWY3DPEHPK3PXP', other), [key, other]), { plain: 'JBSWY3DPEHPK3PXP', keyIndex: 1 })
  t.throws(() => unsealWithAny(seal('JBSWY3DPEHPK3PXP', other), [key]), 'no key opens it: refused')
})
