// Secrets kept in the database but readable only with a key that is not (TOTP seeds): AES-256-GCM,
// with the IV derived from the plaintext by HMAC (a synthetic IV) so that the same secret always
// seals to the same text — the ORM compares stored values, and a random IV would make every load
// look changed. Equal secrets are thus visible as equal, which is harmless for random seeds.
import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto'

const PREFIX = 'v1.'

/** A 32-byte key from any long secret string (hex, base64 or words). */
export function keyFrom(secret: string): Buffer {
  if (secret.length < 32) throw new Error('the sealing key must be at least 32 characters')
  return createHash('sha256').update(secret).digest()
}

export function seal(plain: string, key: Buffer): string {
  const iv = createHmac('sha256', key).update(plain).digest().subarray(0, 12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
  return `${PREFIX}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${body.toString('base64url')}`
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX)
}

/** The plaintext; a value stored before sealing existed is returned as it is (sealed at start-up). */
export function unseal(value: string, key: Buffer): string {
  if (!isSealed(value)) return value
  const [iv, tag, body] = value.slice(PREFIX.length).split('.')
  if (!iv || !tag || body === undefined) throw new Error('sealed value malformed')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
}

/**
 * The plaintext and the position of the key that opened it, trying the current key (0) then
 * previous ones: during a key rotation values sealed with the old key stay readable until
 * they are sealed again. Throws when no key opens it.
 */
export function unsealWithAny(value: string, keys: readonly Buffer[]): { plain: string; keyIndex: number } {
  let failure: unknown = new Error('no sealing key')
  for (const [keyIndex, key] of keys.entries()) {
    try {
      return { plain: unseal(value, key), keyIndex }
    } catch (error) {
      failure = error
    }
  }
  throw failure
}
