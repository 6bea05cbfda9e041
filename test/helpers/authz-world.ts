// The people the authorization test asks as: nobody, a member of structure A, a member of a foreign
// structure B, each professional role with its second factor passed, and one that has not passed it.
import { APTIC_PROCEDURE } from '../../fixtures/demo.ts'
import { SYSTEM_ACTOR } from '../../server/modules/audit/service.ts'
import { createProcedure } from '../../server/modules/procedure/service.ts'
import type { MikroORM } from '@mikro-orm/postgresql'
import { formatSiret } from '../../server/lib/identifiers.ts'
import type { AccountEntity, Role } from '../../server/modules/accounts/entities.ts'
import { createAccount } from '../../server/modules/accounts/lifecycle.ts'
import { ANONYMOUS, type Actor } from '../../server/modules/accounts/policy.ts'
import { openSession } from '../../server/modules/accounts/sessions.ts'
import { Membership, Structure } from '../../server/modules/structures/entities.ts'

export type Persona = {
  name: string
  account: AccountEntity | null
  /** What the policy sees once the session cookie is resolved (see resolveSession). */
  actor: Actor
}

const SYSTEM = { actor: { id: null, role: 'system' }, requestId: null }
const SIRET_A = '73282932000074'
const SIRET_B = '55210055400013' // SIREN 552100554 and the SIRET both pass Luhn

export async function makeWorld(orm: MikroORM) {
  const em = orm.em.fork()
  // The procedure claims belong to: without it, claim pages answer 503 (nothing configured yet).
  await em.fork().transactional((tx) => createProcedure(tx, APTIC_PROCEDURE, SYSTEM_ACTOR))
  const structure = (siret: string, name: string, address: string) =>
    em.create(Structure, {
      siret, name, address, contactEmail: `contact@${siret}.example`,
      communeCode: '33063', communeName: 'Bordeaux', departementCode: '33', regionCode: '75', overseas: false,
    })
  const a = structure(SIRET_A, 'Tiers-Lieu Alpha Confidentiel', '12 rue Secrete Alpha, 33000 Bordeaux')
  const b = structure(SIRET_B, 'Atelier Beta Numerique', '3 quai Beta, 33000 Bordeaux')
  await em.flush()

  const personas: Persona[] = [{ name: 'anonymous', account: null, actor: ANONYMOUS }]
  const person = async (name: string, email: string, role: Role, mfaVerified: boolean, structureIds: string[] = []) => {
    const account = await createAccount(em, { email, displayName: name, role, emailVerified: true }, SYSTEM)
    for (const structureId of structureIds) em.create(Membership, { structureId, accountId: account.id, status: 'active' })
    await em.flush()
    const actor: Actor = { kind: 'account', accountId: account.id, role, sessionId: '', mfaVerified, structureIds }
    personas.push({ name, account, actor })
    return account
  }
  const memberA = await person('member of A', 'alice.alpha@alpha.example', 'structure', true, [a.id])
  const colleagueA = await createAccount(em, { email: 'armand.alpha@alpha.example', displayName: 'Armand', role: 'structure', emailVerified: true }, SYSTEM)
  em.create(Membership, { structureId: a.id, accountId: colleagueA.id, status: 'active' })
  await person('member of foreign B', 'bruno.beta@beta.example', 'structure', true, [b.id])
  // Someone asking to join B: a sub-resource of B that a member of A must not reach through A's URLs.
  const candidateB = await createAccount(em, { email: 'candidat@beta.example', displayName: 'Candidat', role: 'structure', emailVerified: true }, SYSTEM)
  const joinRequestB = em.create(Membership, { structureId: b.id, accountId: candidateB.id, status: 'pending' })
  await person('liquidator', 'liquidateur@mandataire.example', 'liquidator', true)
  await person('ministry', 'agent@ministere.example', 'ministry', true)
  await person('admin', 'admin@service.example', 'admin', true)
  await person('liquidator before second factor', 'liquidateur2@mandataire.example', 'liquidator', false)
  await em.flush()

  return {
    structureA: a,
    structureB: b,
    joinRequestB,
    personas,
    /** What must never reach someone refused access to A. */
    secretsOfA: [a.name, a.siret, formatSiret(a.siret), a.address, a.contactEmail, memberA.email, colleagueA.email],
    /** A fresh session per request: a route may end it (logout), the next request must not notice. */
    async sessionToken(persona: Persona): Promise<string | null> {
      if (!persona.account || persona.actor.kind !== 'account') return null
      const { token } = await openSession(orm.em.fork(), persona.account, { mfaVerified: persona.actor.mfaVerified })
      return token
    },
  }
}
