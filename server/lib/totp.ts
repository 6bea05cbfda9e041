// Second factor for professional accounts: RFC 6238 TOTP (30 s, 6 digits, SHA-1), the parameters
// every authenticator app understands. A code is accepted one step either side for clock drift.
import { Secret, TOTP } from 'otpauth'

const ISSUER = 'Créances Pass numérique'

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

function totp(secret: string, label = 'compte'): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) })
}

export function totpUri(secret: string, label: string): string {
  return totp(secret, label).toString()
}

/** The time step the code belongs to, or null: callers refuse a step already used (replay). */
export function verifyTotp(secret: string, code: string, now: number = Date.now()): number | null {
  const clean = code.replace(/\s/g, '')
  if (!/^\d{6}$/.test(clean)) return null
  const delta = totp(secret).validate({ token: clean, timestamp: now, window: 1 })
  return delta === null ? null : Math.floor(now / 30_000) + delta
}

export function currentTotp(secret: string, now: number = Date.now()): string {
  return totp(secret).generate({ timestamp: now })
}
