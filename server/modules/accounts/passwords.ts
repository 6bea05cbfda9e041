// Password hashing with argon2id (Node's built-in crypto.argon2), stored in the PHC string format
// so that parameters can be raised later: a hash made with weaker ones is upgraded at next login.
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const argon2Async = promisify(argon2)

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. About 80 ms here. */
const PARAMS = { memory: 19_456, passes: 2, parallelism: 1 } as const

async function derive(password: string, salt: Buffer, p: { memory: number; passes: number; parallelism: number }) {
  return argon2Async('argon2id', { message: password, nonce: salt, tagLength: 32, ...p })
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await derive(password, salt, PARAMS)
  const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '')
  return `$argon2id$v=19$m=${PARAMS.memory},t=${PARAMS.passes},p=${PARAMS.parallelism}$${b64(salt)}$${b64(hash)}`
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored)
  if (!match) return false
  const [, m, t, p, salt, hash] = match
  const expected = Buffer.from(hash as string, 'base64')
  const actual = await derive(password, Buffer.from(salt as string, 'base64'), {
    memory: Number(m),
    passes: Number(t),
    parallelism: Number(p),
  })
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

export function needsRehash(stored: string): boolean {
  return !stored.startsWith(`$argon2id$v=19$m=${PARAMS.memory},t=${PARAMS.passes},p=${PARAMS.parallelism}$`)
}

/** Verified against when the email is unknown, so that timing does not reveal which accounts exist. */
let dummy: Promise<string> | undefined
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('not-a-real-password-' + randomBytes(8).toString('hex'))
  await verifyPassword(await dummy, password)
}
