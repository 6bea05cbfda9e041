// The one place where the environment is read. Everything else receives a typed Config,
// so a missing or malformed variable stops the process at start-up with its name, not later.
import { resolve } from 'node:path'
import { z } from 'zod'

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes')

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'doit commencer par postgres:// ou postgresql://')
    .optional(),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'doit commencer par smtp:// ou smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).default('Suivi des créances Pass numérique <ne-pas-repondre@creances-pass-numerique.local>'),
  VAR_DIR: z.string().min(1).default('var'),
  WORKERS: z.enum(['in-process', 'none']).default('in-process'),
  DEMO: bool.optional(),
  MAIL_RETRY_LIMIT: z.coerce.number().int().min(0).default(30),
  MAIL_RETRY_DELAY_SECONDS: z.coerce.number().int().min(1).default(30),
  FORM_SLOWDOWN_MS: z.coerce.number().int().min(0).max(10_000).default(250),
  EVIDENCE_MAX_FILE_MB: z.coerce.number().positive().max(1024).default(25),
  EVIDENCE_MAX_CLAIM_MB: z.coerce.number().positive().max(100_000).default(500),
  COOKIE_SECRET: z.string().min(32, 'au moins 32 caractères aléatoires').optional(),
  SEALING_KEY: z.string().min(32, 'au moins 32 caractères aléatoires').optional(),
  SEALING_KEY_PREVIOUS: z.string().min(32, 'au moins 32 caractères aléatoires').optional(),
  JOB_POLLING_SECONDS: z.coerce.number().min(0.5).default(2),
})

export type Config = {
  env: 'development' | 'production' | 'test'
  host: string
  port: number
  publicUrl: string
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL']
  /** Absent: the app starts an embedded PostgreSQL under varDir/pg. */
  databaseUrl: string | undefined
  embeddedPgPort: number
  /** Absent: mail is written as .eml files under varDir/mail. */
  smtpUrl: string | undefined
  mailFrom: string
  varDir: string
  runWorkersInProcess: boolean
  /** Demo mode seeds demo data and lists demo accounts on the home page. */
  demo: boolean
  /** With exponential backoff capped at one hour, 30 tries cover more than a day of SMTP outage. */
  mailRetry: { limit: number; delaySeconds: number }
  jobPollingSeconds: number
  /** Signs cookies (CSRF secret, flash messages). Generated once under var/ when not given. */
  cookieSecret: string | undefined
  /** Seals secrets stored in the database (TOTP seeds); kept outside it. Generated once under var/ when not given. */
  sealingKey: string | undefined
  /** The key being replaced, for one start during a rotation: what it sealed is sealed again with sealingKey. */
  previousSealingKey: string | undefined
  /** Cookies get the Secure flag when the public address is https. */
  secureCookies: boolean
  /** First wait imposed on repeated sign-up or reset requests from one address (then doubled). */
  formSlowdownMs: number
  /** Upload limits for evidence, per file and per claim (DOMAIN §6, issue: 25 MB and 500 MB). */
  evidenceLimits: { maxFileBytes: number; maxClaimBytes: number }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings are how shells and CI unset variables: treat them as absent.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = EnvSchema.safeParse(cleaned)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  const e = parsed.data
  for (const name of ['COOKIE_SECRET', 'SEALING_KEY'] as const) {
    if (e.NODE_ENV === 'production' && !e[name]) throw new ConfigError(`Invalid configuration:\n  ${name}: requis en production (au moins 32 caractères aléatoires)`)
  }
  const port = e.PORT
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    embeddedPgPort: e.EMBEDDED_PG_PORT,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    varDir: resolve(e.VAR_DIR),
    runWorkersInProcess: e.WORKERS === 'in-process',
    // Demo data makes sense where nothing real is configured: the fresh-machine path.
    demo: e.DEMO ?? (e.DATABASE_URL === undefined && e.NODE_ENV !== 'production'),
    mailRetry: { limit: e.MAIL_RETRY_LIMIT, delaySeconds: e.MAIL_RETRY_DELAY_SECONDS },
    jobPollingSeconds: e.JOB_POLLING_SECONDS,
    cookieSecret: e.COOKIE_SECRET,
    sealingKey: e.SEALING_KEY,
    previousSealingKey: e.SEALING_KEY_PREVIOUS,
    secureCookies: (e.PUBLIC_URL ?? '').startsWith('https://'),
    formSlowdownMs: e.FORM_SLOWDOWN_MS,
    evidenceLimits: { maxFileBytes: Math.round(e.EVIDENCE_MAX_FILE_MB * 1024 * 1024), maxClaimBytes: Math.round(e.EVIDENCE_MAX_CLAIM_MB * 1024 * 1024) },
  }
}
