// Procedure: the insolvency case every claim belongs to (debtor, court, dates, liquidator).
// Its dates drive every deadline; the administrator's pages to edit it come with the claims module.
import type { EntityManager } from '@mikro-orm/postgresql'
import { z } from 'zod'
import { DomainError } from '../../errors.ts'
import { validateSiren } from '../../lib/identifiers.ts'
import { parseFrenchDate } from '../../lib/calendar.ts'
import { parseEuros } from '../../lib/money.ts'
import { compileIdentifierRule } from '../../lib/pass-identifier.ts'
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

export type ProcedureSettingsInput = Record<
  'court' | 'bodaccPublicationDate' | 'liquidatorName' | 'liquidatorAddress' | 'liquidatorEmail' | 'faceValue' | 'identifierPattern' | 'identifierExample' | 'programmes',
  string
> & { identifierUppercase: boolean; identifierStripSeparators: boolean }

/** The administrator completes what is not public: court, BODACC date, liquidator, identifier format. */
export async function updateProcedureSettings(
  em: EntityManager,
  procedureId: string,
  input: ProcedureSettingsInput,
  audit: { actor: Actor; requestId: string | null },
): Promise<ProcedureEntity> {
  const procedure = await em.findOneOrFail(Procedure, { id: procedureId })
  const errors: { path: string; message: string }[] = []
  const date = input.bodaccPublicationDate.trim() ? parseFrenchDate(input.bodaccPublicationDate) : null
  if (date && !date.ok) errors.push({ path: 'bodaccPublicationDate', message: date.error.message })
  if (date?.ok && date.value < procedure.judgmentDate) errors.push({ path: 'bodaccPublicationDate', message: 'la publication ne peut précéder le jugement' })
  const face = parseEuros(input.faceValue)
  if (!face.ok || face.value <= 0) errors.push({ path: 'faceValue', message: face.ok ? 'la valeur doit être positive' : face.error.message })
  const email = input.liquidatorEmail.trim()
  if (email && !z.email().safeParse(email).success) errors.push({ path: 'liquidatorEmail', message: 'adresse électronique invalide' })
  const rule = compileIdentifierRule({
    pattern: input.identifierPattern.trim(),
    example: input.identifierExample.trim(),
    uppercase: input.identifierUppercase,
    stripSeparators: input.identifierStripSeparators,
  })
  if (!rule.ok) errors.push({ path: 'identifierPattern', message: rule.error.message })
  const programmes = input.programmes.split(',').map((p) => p.trim()).filter(Boolean)
  if (!programmes.length) errors.push({ path: 'programmes', message: 'au moins un programme' })
  if (errors.length) throw new DomainError('invalid', 'procedure_invalid', 'Paramètres à corriger.', errors)
  const before = snapshot(procedure)
  Object.assign(procedure, {
    court: input.court.trim() || null,
    bodaccPublicationDate: date?.ok ? date.value : null,
    liquidatorName: input.liquidatorName.trim() || null,
    liquidatorAddress: input.liquidatorAddress.trim() || null,
    liquidatorEmail: email || null,
    faceValueCents: face.ok ? face.value : procedure.faceValueCents,
    identifierPattern: input.identifierPattern.trim(),
    identifierExample: input.identifierExample.trim(),
    identifierUppercase: input.identifierUppercase,
    identifierStripSeparators: input.identifierStripSeparators,
    programmes,
  })
  await em.flush()
  await recordAudit(em, { ...audit, action: 'procedure.updated', entityType: 'procedure', entityId: procedure.id, before, after: snapshot(procedure) })
  return procedure
}
