// Ready-made people for tests: a structure with a member, professionals with their second factor.
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql'
import { Account, type Role } from '../../server/modules/accounts/entities.ts'
import { createAccount } from '../../server/modules/accounts/lifecycle.ts'
import { newTotpSecret } from '../../server/lib/totp.ts'
import { MailMessage } from '../../server/modules/notifications/entities.ts'
import { Membership, Structure } from '../../server/modules/structures/entities.ts'

export const STRONG_PASSWORD = 'Lundi-velo-Cantal-42'
const SYSTEM = { actor: { id: null, role: 'system' }, requestId: null }

export async function makeStructure(orm: MikroORM, input: { siret: string; name: string; members?: string[] }) {
  return orm.em.fork().transactional(async (em: EntityManager) => {
    const structure = em.create(Structure, {
      siret: input.siret,
      name: input.name,
      communeCode: '33063',
      communeName: 'Bordeaux',
      departementCode: '33',
      regionCode: '75',
      overseas: false,
      address: '1 rue de la Paix, 33000 Bordeaux',
      contactEmail: 'contact@' + input.name.toLowerCase().replace(/\W+/g, '') + '.example',
    })
    await em.flush()
    const accounts = []
    for (const email of input.members ?? []) {
      const account = await createAccount(em, { email, displayName: email.split('@')[0] ?? email, role: 'structure', password: STRONG_PASSWORD, emailVerified: true }, SYSTEM)
      em.create(Membership, { structureId: structure.id, accountId: account.id, status: 'active' })
      accounts.push(account)
    }
    await em.flush()
    return { structure, accounts }
  })
}

/** A professional account with its password and an enrolled authenticator (secret returned). */
export async function makeProfessional(orm: MikroORM, role: Exclude<Role, 'structure'>, email: string) {
  return orm.em.fork().transactional(async (em: EntityManager) => {
    const account = await createAccount(em, { email, displayName: role, role, password: STRONG_PASSWORD, emailVerified: true }, SYSTEM)
    const secret = newTotpSecret()
    await em.nativeUpdate(Account, { id: account.id }, { totpSecret: secret, totpEnabledAt: new Date() })
    return { account, secret }
  })
}

export async function mailsTo(orm: MikroORM, recipient: string, template?: string) {
  return orm.em.fork().find(MailMessage, { recipient, ...(template ? { template } : {}) }, { orderBy: { queuedAt: 'asc' } })
}
