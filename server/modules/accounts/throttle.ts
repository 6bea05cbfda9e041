// Brute-force protection on login (ASVS 2.2.1): failures are counted per account and per IP.
// From the 5th failure in 15 minutes each attempt is slowed down; the 20th within a minute is
// refused outright, whether or not the password is right.
import { createHash } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'

export const REFUSE_AFTER_FAILURES_PER_MINUTE = 19
const SLOW_AFTER_FAILURES = 5
const MAX_DELAY_MS = 4000

export const emailKey = (email: string) => createHash('sha256').update(email.trim().toLowerCase()).digest('hex')

type Counts = { minute: number; quarter: number }

async function failures(em: EntityManager, column: 'email_key' | 'ip', value: string): Promise<Counts> {
  const [row] = await em.execute<{ minute: string; quarter: string }[]>(
    `select count(*) filter (where "at" > now() - interval '1 minute') as minute,
            count(*) as quarter
       from "login_attempt"
      where "${column}" = ? and not "succeeded" and "at" > now() - interval '15 minutes'`,
    [value],
  )
  return { minute: Number(row?.minute ?? 0), quarter: Number(row?.quarter ?? 0) }
}

/** Refuses or slows the attempt before the password is even checked. */
export async function throttleLogin(em: EntityManager, email: string, ip: string, sleep = delay): Promise<void> {
  const [byEmail, byIp] = await Promise.all([failures(em, 'email_key', emailKey(email)), failures(em, 'ip', ip)])
  if (Math.max(byEmail.minute, byIp.minute) >= REFUSE_AFTER_FAILURES_PER_MINUTE) {
    throw new DomainError(
      'rate_limited',
      'too_many_attempts',
      'Trop de tentatives de connexion en peu de temps. Patientez une minute, ou réinitialisez votre mot de passe.',
    )
  }
  const extra = Math.max(byEmail.quarter, byIp.quarter) - SLOW_AFTER_FAILURES
  if (extra >= 0) await sleep(Math.min(250 * 2 ** extra, MAX_DELAY_MS))
}

export async function recordLoginAttempt(em: EntityManager, email: string, ip: string, succeeded: boolean): Promise<void> {
  await em.execute(`insert into "login_attempt" ("email_key", "ip", "succeeded", "at") values (?, ?, ?, now())`, [
    emailKey(email),
    ip.slice(0, 64),
    succeeded,
  ])
}

const FORM_FREE_ATTEMPTS = 3

/**
 * Sign-up and reset forms: the first three requests from an address in 15 minutes go at once, each
 * further one waits twice as long as the previous (250 ms, 500 ms… up to 4 s). The per-IP rate
 * limit refuses them outright beyond ten.
 */
export async function slowDownForm(
  em: EntityManager,
  scope: 'signup' | 'password_reset',
  ip: string,
  options: { baseMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<number> {
  const baseMs = options.baseMs ?? 250
  const [row] = await em.execute<{ n: string }[]>(
    `select count(*) as n from "form_attempt" where "scope" = ? and "ip" = ? and "at" > now() - interval '15 minutes'`,
    [scope, ip.slice(0, 64)],
  )
  await em.execute(`insert into "form_attempt" ("scope", "ip", "at") values (?, ?, now())`, [scope, ip.slice(0, 64)])
  const extra = Number(row?.n ?? 0) - FORM_FREE_ATTEMPTS
  const wait = extra >= 0 ? Math.min(baseMs * 2 ** extra, MAX_DELAY_MS) : 0
  if (wait) await (options.sleep ?? delay)(wait)
  return wait
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
