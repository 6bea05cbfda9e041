// Procedure: the insolvency case every claim belongs to (debtor, court, dates, liquidator).
// Its dates drive every deadline; the administrator's pages to edit it come with the claims module.
import type { EntityManager } from '@mikro-orm/postgresql'
import { z } from 'zod'
import { DomainError } from '../../errors.ts'
import { validateSiren } from '../../lib/identifiers.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import { Procedure, type ProcedureEntity } from './entities.ts'

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date attendue au format AAAA-MM-JJ')

export const ProcedureInput = z.object({
  code: z.string().regex(/^[a-z0-9-]{3,64}$/, 'minuscules, chiffres et tirets (3 à 64 caractères)'),
  debtorName: z.string().trim().min(1).max(255),
  debtorSiren: z.string(),
  debtorAddress: z.string().trim().min(1),
  court: z.string().trim().min(1).max(255).nullable().default(null),
  judgmentDate: isoDate,
  bodaccPublicationDate: isoDate.nullable().default(null),
  liquidatorName: z.string().trim().min(1).max(255).nullable().default(null),
  liquidatorAddress: z.string().trim().min(1).nullable().default(null),
  liquidatorEmail: z.email().nullable().default(null),
  faceValueCents: z.number().int().positive(),
})
export type ProcedureInput = z.input<typeof ProcedureInput>

export function snapshot(procedure: ProcedureEntity): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, ...rest } = procedure
  return { ...rest }
}

/** Creates a procedure; call inside a transaction (the audit event shares it). */
export async function createProcedure(
  em: EntityManager,
  input: ProcedureInput,
  actor: Actor,
  requestId: string | null = null,
): Promise<ProcedureEntity> {
  const data = ProcedureInput.parse(input)
  const siren = validateSiren(data.debtorSiren)
  if (!siren.ok) {
    throw new DomainError('invalid', 'invalid_siren', siren.error.message, [
      { path: 'debtorSiren', message: siren.error.message },
    ])
  }
  if (data.bodaccPublicationDate && data.bodaccPublicationDate < data.judgmentDate) {
    throw new DomainError('invalid', 'bodacc_before_judgment', 'La publication au BODACC ne peut précéder le jugement.', [
      { path: 'bodaccPublicationDate', message: 'doit être postérieure ou égale à la date du jugement' },
    ])
  }
  if (await em.count(Procedure, { code: data.code })) {
    throw new DomainError('conflict', 'procedure_exists', `Une procédure « ${data.code} » existe déjà.`)
  }
  const procedure = em.create(Procedure, { ...data, debtorSiren: siren.value })
  await em.flush()
  await recordAudit(em, {
    actor,
    action: 'procedure.created',
    entityType: 'procedure',
    entityId: procedure.id,
    after: snapshot(procedure),
    requestId,
  })
  return procedure
}

export async function findProcedure(em: EntityManager, code: string): Promise<ProcedureEntity | null> {
  return em.findOne(Procedure, { code })
}

export async function listProcedures(em: EntityManager): Promise<ProcedureEntity[]> {
  return em.find(Procedure, {}, { orderBy: { judgmentDate: 'desc' } })
}
