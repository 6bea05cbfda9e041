// Structures: the creditors. One SIRET, one structure; its staff are members. A second sign-up
// for a known SIRET becomes a request to join, which an existing member approves.
import type { EntityManager } from '@mikro-orm/postgresql'
import { z } from 'zod'
import { DomainError, type FieldError } from '../../errors.ts'
import { maskIban, validateBic, validateIban, validateSiret } from '../../lib/identifiers.ts'
import { findCommune } from '../../lib/territory.ts'
import { createHash } from 'node:crypto'
import { recordAudit } from '../audit/service.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { createAccount, EmailSchema } from '../accounts/lifecycle.ts'
import { Account } from '../accounts/entities.ts'
import { findAccountByEmail, sendEmailVerification, type AuditContext } from '../accounts/service.ts'
import { Membership, Structure, type StructureEntity } from './entities.ts'

export const SignUpInput = z.object({
  siret: z.string(),
  name: z.string().trim().min(2, 'raison sociale requise').max(255),
  communeCode: z.string().trim().min(1, 'choisissez la commune'),
  address: z.string().trim().min(5, 'adresse postale requise').max(500),
  contactEmail: EmailSchema,
  displayName: z.string().trim().min(2, 'votre nom est requis').max(120),
  email: EmailSchema,
  password: z.string(),
})
export type SignUpInput = z.infer<typeof SignUpInput>

/** What the audit trail keeps of a structure (a legal person; its bank account only masked and hashed). */
export function structureSnapshot(s: StructureEntity): Record<string, unknown> {
  return {
    id: s.id,
    siret: s.siret,
    name: s.name,
    communeCode: s.communeCode,
    departementCode: s.departementCode,
    overseas: s.overseas,
    address: s.address,
    iban: s.iban ? maskIban(s.iban) : null,
    ibanSha256: s.iban ? createHash('sha256').update(s.iban).digest('hex') : null,
    bic: s.bic,
  }
}

export function parseSiret(input: string): string {
  const result = validateSiret(input)
  if (!result.ok) throw new DomainError('invalid', `siret_${result.error.code}`, result.error.message, [{ path: 'siret', message: result.error.message }])
  return result.value
}

function resolveCommune(code: string) {
  const commune = findCommune(code)
  if (!commune) {
    throw new DomainError('invalid', 'commune_unknown', 'Commune inconnue : choisissez-la dans la liste.', [
      { path: 'communeCode', message: 'commune inconnue (code INSEE attendu)' },
    ])
  }
  return commune
}

export type SignUpOutcome = 'structure_created' | 'join_requested' | 'account_exists'

/**
 * The same answer is shown whatever the outcome (no account enumeration): an existing address only
 * receives a mail saying someone tried to sign up with it.
 */
export async function signUp(em: EntityManager, mail: MailDeps, raw: SignUpInput, audit: AuditContext): Promise<SignUpOutcome> {
  const parsed = SignUpInput.safeParse(raw)
  const errors: FieldError[] = parsed.success ? [] : parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
  const siret = validateSiret(raw.siret ?? '')
  if (!siret.ok) errors.push({ path: 'siret', message: siret.error.message })
  if (!findCommune(raw.communeCode ?? '')) errors.push({ path: 'communeCode', message: 'commune inconnue : choisissez-la dans la liste' })
  if (errors.length || !parsed.success || !siret.ok) {
    throw new DomainError('invalid', 'signup_invalid', 'Certaines informations sont à corriger.', errors)
  }
  const input = parsed.data
  const existing = await findAccountByEmail(em, input.email)
  if (existing) {
    await queueMail(em, mail, { to: existing.email, template: 'signup-existing-account', data: { link: `${mail.publicUrl}/mot-de-passe-oublie` } })
    return 'account_exists'
  }
  const account = await createAccount(em, { email: input.email, displayName: input.displayName, role: 'structure', password: input.password }, audit)
  const actorAudit: AuditContext = { actor: { id: account.id, role: 'structure' }, requestId: audit.requestId }
  let structure = await em.findOne(Structure, { siret: siret.value })
  let outcome: SignUpOutcome = 'join_requested'
  if (!structure) {
    const commune = resolveCommune(input.communeCode)
    structure = em.create(Structure, {
      siret: siret.value,
      name: input.name,
      communeCode: commune.code,
      communeName: commune.nom,
      departementCode: commune.departement.code,
      regionCode: commune.region.code,
      overseas: commune.overseas,
      address: input.address,
      contactEmail: input.contactEmail.toLowerCase(),
    })
    await em.flush()
    await recordAudit(em, { ...actorAudit, action: 'structure.created', entityType: 'structure', entityId: structure.id, after: structureSnapshot(structure) })
    outcome = 'structure_created'
  }
  const membership = em.create(Membership, {
    structureId: structure.id,
    accountId: account.id,
    status: outcome === 'structure_created' ? 'active' : 'pending',
  })
  await em.flush()
  await recordAudit(em, { ...actorAudit, action: outcome === 'structure_created' ? 'membership.created' : 'membership.requested', entityType: 'membership', entityId: membership.id, after: { structureId: structure.id, accountId: account.id, status: membership.status } })
  await sendEmailVerification(em, mail, account)
  if (outcome === 'join_requested') {
    for (const member of await activeMembers(em, structure.id)) {
      await queueMail(em, mail, { to: member.email, template: 'join-request', data: { structureName: structure.name, applicant: input.displayName, link: `${mail.publicUrl}/structures/${structure.id}/membres` } })
    }
  }
  return outcome
}

export async function activeMembers(em: EntityManager, structureId: string) {
  const memberships = await em.find(Membership, { structureId, status: 'active' })
  return em.find(Account, { id: { $in: memberships.map((m) => m.accountId) }, status: 'active' }, { orderBy: { email: 'asc' } })
}

export async function getStructure(em: EntityManager, structureId: string): Promise<StructureEntity | null> {
  return em.findOne(Structure, { id: structureId })
}

export const BankInput = z.object({ iban: z.string(), bic: z.string() })

/** IBAN/BIC for a future compensation payment. Every member is told of a change. */
export async function updateBankDetails(
  em: EntityManager,
  mail: MailDeps,
  structureId: string,
  raw: z.infer<typeof BankInput>,
  audit: AuditContext,
): Promise<StructureEntity> {
  const structure = await em.findOneOrFail(Structure, { id: structureId })
  const iban = validateIban(raw.iban)
  const bic = validateBic(raw.bic)
  const errors: FieldError[] = []
  if (!iban.ok) errors.push({ path: 'iban', message: iban.error.message })
  if (!bic.ok) errors.push({ path: 'bic', message: bic.error.message })
  if (!iban.ok || !bic.ok) throw new DomainError('invalid', 'bank_details_invalid', 'Coordonnées bancaires à corriger.', errors)
  const before = structureSnapshot(structure)
  structure.iban = iban.value
  structure.bic = bic.value
  structure.bankUpdatedAt = new Date()
  await em.flush()
  await recordAudit(em, { ...audit, action: 'structure.bank_details_changed', entityType: 'structure', entityId: structure.id, before, after: structureSnapshot(structure) })
  for (const member of await activeMembers(em, structure.id)) {
    await queueMail(em, mail, {
      to: member.email,
      template: 'bank-details-changed',
      data: { structureName: structure.name, ibanMasked: maskIban(iban.value), link: `${mail.publicUrl}/structures/${structure.id}` },
    })
  }
  return structure
}
