// The claim behind a structure's URL, for an actor allowed to perform `action` on that structure.
// Without a claim yet, pages lead back to the claim home, where one can be started.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { decide, type Action } from '../accounts/policy.ts'
import { structureFor } from '../structures/access.ts'
import type { ClaimEntity } from './entities.ts'
import type { StructureEntity } from '../structures/entities.ts'
import { findClaim } from './service.ts'

export type ClaimContext = { structure: StructureEntity; claim: ClaimEntity; base: string; canEdit: boolean }

export const claimBase = (structureId: string) => `/structures/${structureId}/declaration`

export async function claimFor(request: FastifyRequest, reply: FastifyReply, action: Action): Promise<ClaimContext | undefined> {
  const structure = await structureFor(request, reply, action)
  if (!structure) return undefined
  const claim = await findClaim(request.em, structure.id)
  if (!claim) {
    await reply.redirect(claimBase(structure.id))
    return undefined
  }
  return { structure, claim, base: claimBase(structure.id), canEdit: decide(request.actor, 'claim.edit', { structureId: structure.id }) === 'allow' }
}
