// Secrets handed to people (session cookies, links in mails) are random; only their SHA-256 is
// stored, so a database leak does not hand out working links or sessions.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
