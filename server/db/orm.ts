// The ORM: one place that lists the entities and knows where the migrations are.
// The schema is only ever changed by checked-in migrations, never synchronised from the entities.
import { fileURLToPath } from 'node:url'
import { MikroORM, defineConfig } from '@mikro-orm/postgresql'
import { Migrator } from '@mikro-orm/migrations'
import { Account, AccountToken, Session } from '../modules/accounts/entities.ts'
import { AuditEvent } from '../modules/audit/entities.ts'
import { MailMessage } from '../modules/notifications/entities.ts'
import { Procedure } from '../modules/procedure/entities.ts'
import { Invitation, Membership, Structure } from '../modules/structures/entities.ts'
import { Claim, ClaimLine, ClaimVersion, Evidence } from '../modules/claims/entities.ts'
import { ReadingCandidate, ReadingJob, ReadingPage } from '../modules/pass-reading/entities.ts'

export const entities = [Procedure, MailMessage, AuditEvent, Account, Session, AccountToken, Structure, Membership, Invitation, Claim, ClaimVersion, ClaimLine, Evidence, ReadingJob, ReadingPage, ReadingCandidate]

const migrationsDir = fileURLToPath(new URL('./migrations', import.meta.url))

export function ormConfig(databaseUrl: string, options: { poolMax?: number } = {}) {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    // Node strips the types of our .ts sources itself: the ORM reads the same files in every mode.
    preferTs: true,
    pool: { min: 0, max: options.poolMax ?? 10 },
    timezone: 'Europe/Paris',
    migrations: {
      path: migrationsDir,
      pathTs: migrationsDir,
      glob: '!(*.d).ts',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
    debug: false,
  })
}

export type Orm = MikroORM

export async function openOrm(databaseUrl: string, options: { poolMax?: number } = {}): Promise<MikroORM> {
  return MikroORM.init(ormConfig(databaseUrl, options))
}

/** Applies the checked-in migrations that have not run yet; returns their names. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const done = await orm.migrator.up()
  return done.map((m) => m.name)
}
