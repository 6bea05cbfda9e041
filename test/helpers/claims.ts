// Claims of the national fixture (drafts) marked as filed, for tests of the liquidator's work that
// do not need their PDFs (fixtures/national/submit.ts renders those when a test does).
import type { EntityManager } from '@mikro-orm/postgresql'

export async function markSubmitted(em: EntityManager, claimIds: readonly string[]): Promise<void> {
  const ids = `{${claimIds.join(',')}}`
  await em.execute(
    `update "claim_version" v set "status" = 'submitted', "submitted_at" = now(), "signer_name" = 'Camille Martin', "signer_capacity" = 'présidente', "pdf_sha256" = repeat('b', 64)
     from "claim" c where c."id" = v."claim_id" and v."version" = c."current_version" and v."status" = 'draft' and c."id" = any(?::uuid[])`,
    [ids],
  )
  await em.execute(`update "claim" set "status" = 'submitted' where "status" = 'draft' and "id" = any(?::uuid[])`, [ids])
}
