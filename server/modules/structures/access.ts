// The structure named in a URL, if the actor may act on it: the second half of the policy check
// (the route's declared action was checked first). Unknown and foreign ids answer alike: 404.
import type { FastifyReply, FastifyRequest } from 'fastify'
import { deny } from '../../plugins/app/auth.ts'
import { decide, type Action } from '../accounts/policy.ts'
import { getStructure } from './service.ts'
import type { StructureEntity } from './entities.ts'
import { isUuid } from '../../lib/uuid.ts'

export async function structureFor(request: FastifyRequest, reply: FastifyReply, action: Action): Promise<StructureEntity | undefined> {
  const { structureId } = request.params as { structureId: string }
  const structure = isUuid(structureId) ? await getStructure(request.em, structureId) : null
  const decision = decide(request.actor, action, { structureId: structure?.id ?? null })
  if (decision !== 'allow') return void (await deny(decision, request, reply))
  if (!structure) return void (await deny('not_found', request, reply))
  return structure
}
