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

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}
