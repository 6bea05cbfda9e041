// Claims: a structure's déclaration de créance, from an empty draft to submitted versions.
// Lines are passes (or other unpaid items); totals and the checklist follow lib/claim-rules.ts.
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError, type FieldError } from '../../errors.ts'
import { parseFrenchDate, todayInParis, isIsoDate, type IsoDate } from '../../lib/calendar.ts'
import { checklist, claimTotals, type ChecklistItem, type ClaimTotals, type RuleLine } from '../../lib/claim-rules.ts'
import { creditorDeadlines, deadlineStatus, type CreditorDeadlines, type DeadlineStatus } from '../../lib/deadlines.ts'
import { parseEuros } from '../../lib/money.ts'
import { checkIdentifier, type IdentifierRule } from '../../lib/pass-identifier.ts'
import { reconcileClaim } from '../reconciliation/service.ts'
import { recordAudit } from '../audit/service.ts'
import type { AuditContext } from '../accounts/service.ts'
import { Procedure, type ProcedureEntity } from '../procedure/entities.ts'
import { Structure, type StructureEntity } from '../structures/entities.ts'
import { Claim, ClaimLine, ClaimVersion, Evidence, type ClaimEntity, type ClaimLineEntity, type ClaimVersionEntity } from './entities.ts'
import { isUuid } from '../../lib/uuid.ts'

export function identifierRule(p: ProcedureEntity): IdentifierRule {
  return { pattern: p.identifierPattern, uppercase: p.identifierUppercase, stripSeparators: p.identifierStripSeparators, example: p.identifierExample }
}

/** The procedure claims are declared in: the one configured (a single liquidation for now). */
export async function currentProcedure(em: EntityManager): Promise<ProcedureEntity> {
  const [procedure] = await em.find(Procedure, {}, { orderBy: { createdAt: 'asc' }, limit: 1 })
  if (!procedure) throw new DomainError('unavailable', 'no_procedure', "Aucune procédure n'est encore configurée : l'administrateur doit la saisir.")
  return procedure
}

export function deadlinesFor(procedure: ProcedureEntity, structure: StructureEntity): CreditorDeadlines | null {
  if (!procedure.bodaccPublicationDate) return null
  return creditorDeadlines({ bodaccPublication: procedure.bodaccPublicationDate, overseas: structure.overseas })
}

export function deadlineNow(procedure: ProcedureEntity, structure: StructureEntity, now = new Date()): DeadlineStatus | null {
  const deadlines = deadlinesFor(procedure, structure)
  return deadlines ? deadlineStatus(todayInParis(now), deadlines) : null
}

export async function findClaim(em: EntityManager, structureId: string): Promise<ClaimEntity | null> {
  const procedure = await currentProcedure(em)
  return em.findOne(Claim, { procedureId: procedure.id, structureId })
}

export async function currentVersion(em: EntityManager, claim: ClaimEntity): Promise<ClaimVersionEntity> {
  return em.findOneOrFail(ClaimVersion, { claimId: claim.id, version: claim.currentVersion })
}

/** Opens the structure's claim (one per procedure), with its first draft version. Idempotent. */
export async function openClaim(em: EntityManager, structureId: string, audit: AuditContext): Promise<ClaimEntity> {
  const procedure = await currentProcedure(em)
  const existing = await em.findOne(Claim, { procedureId: procedure.id, structureId })
  if (existing) return existing
  const [row] = await em.execute<{ n: string }[]>(`select nextval('claim_number_seq') as n`)
  const prefix = procedure.code.toUpperCase()
  const claim = em.create(Claim, { procedureId: procedure.id, structureId, number: `${prefix}-${String(row?.n).padStart(6, '0')}` })
  await em.flush()
  em.create(ClaimVersion, { claimId: claim.id, version: 1, kind: 'initial' })
  await em.flush()
  await recordAudit(em, { ...audit, action: 'claim.opened', entityType: 'claim', entityId: claim.id, after: { number: claim.number, structureId, procedureId: procedure.id } })
  return claim
}

/** The version being edited; refuses when the current one is submitted (frozen). */
export async function draftVersion(em: EntityManager, claim: ClaimEntity): Promise<ClaimVersionEntity> {
  const version = await currentVersion(em, claim)
  if (version.status !== 'draft') {
    throw new DomainError('conflict', 'claim_frozen', 'Cette version est déposée et ne peut plus changer : créez une version rectificative.')
  }
  return version
}

export type PassLineInput = { identifier: string; faceValue?: string; faceValueReason?: string; serviceDate?: string; scanDate?: string; funder?: string }

/** Validates one typed pass line; errors are located on their field. */
export function parsePassLine(input: PassLineInput, procedure: ProcedureEntity): { line: Omit<ClaimLineEntity, 'id' | 'versionId' | 'createdAt' | 'source' | 'sourceRow' | 'evidenceId' | 'sourcePage'>; errors: FieldError[] } {
  const errors: FieldError[] = []
  const id = checkIdentifier(input.identifier ?? '', identifierRule(procedure))
  if (!id.ok) errors.push({ path: 'identifier', message: id.error.message })
  let faceValueCents = procedure.faceValueCents
  let reason: string | null = null
  if (input.faceValue?.trim()) {
    const value = parseEuros(input.faceValue)
    if (!value.ok) errors.push({ path: 'faceValue', message: value.error.message })
    else if (value.value !== procedure.faceValueCents) {
      faceValueCents = value.value
      reason = input.faceValueReason?.trim() || null
      if (!reason) errors.push({ path: 'faceValueReason', message: 'indiquez pourquoi la valeur diffère de la valeur faciale' })
    }
  }
  const date = (raw: string | undefined, path: string): IsoDate | null => {
    if (!raw?.trim()) return null
    if (isIsoDate(raw.trim())) return raw.trim()
    const parsed = parseFrenchDate(raw)
    if (!parsed.ok) errors.push({ path, message: parsed.error.message })
    return parsed.ok ? parsed.value : null
  }
  const serviceDate = date(input.serviceDate, 'serviceDate')
  const scanDate = date(input.scanDate, 'scanDate')
  if (serviceDate && scanDate && scanDate < serviceDate) errors.push({ path: 'scanDate', message: 'le scan ne peut précéder l’utilisation du pass' })
  return {
    line: {
      kind: 'pass',
      identifier: id.ok ? id.value : null,
      faceValueCents,
      faceValueReason: reason,
      serviceDate,
      scanDate,
      funder: input.funder?.trim() || null,
      // The opening judgment takes effect at 0:00 on its own day (its date, not the next day).
      afterJudgment: serviceDate ? serviceDate >= procedure.judgmentDate : null,
      label: null,
      invoiceNumber: null,
      invoiceDate: null,
      amountCents: faceValueCents,
    },
    errors,
  }
}

async function assertNotDeclared(em: EntityManager, versionId: string, identifiers: string[]): Promise<void> {
  const found = await em.find(ClaimLine, { versionId, kind: 'pass', identifier: { $in: identifiers } }, { fields: ['identifier'] })
  if (found.length) {
    throw new DomainError('conflict', 'pass_already_declared', `Déjà déclaré dans cette déclaration : ${found.map((l) => l.identifier).join(', ')}.`, [
      { path: 'identifier', message: 'pass déjà déclaré' },
    ])
  }
}

/** Where a line comes from when it was not typed: a file (and its page) read by OCR. */
export type LineOrigin = { source: 'ocr'; evidenceId: string; sourcePage: number | null }

export async function addPassLine(em: EntityManager, claim: ClaimEntity, input: PassLineInput, audit: AuditContext, origin?: LineOrigin): Promise<ClaimLineEntity> {
  const version = await draftVersion(em, claim)
  const procedure = await em.findOneOrFail(Procedure, { id: claim.procedureId })
  const { line, errors } = parsePassLine(input, procedure)
  if (errors.length) throw new DomainError('invalid', 'line_invalid', 'Ligne à corriger.', errors)
  await assertNotDeclared(em, version.id, [line.identifier as string])
  const created = em.create(ClaimLine, { ...line, versionId: version.id, source: 'typed', ...origin })
  await em.flush()
  await recordAudit(em, { ...audit, action: 'claim.line_added', entityType: 'claim', entityId: claim.id, after: { lineId: created.id, identifier: created.identifier, amountCents: created.amountCents } })
  await reconcileClaim(em, claim.procedureId, claim.id)
  return created
}

/**
 * A pasted list: one identifier per line (or separated by spaces, commas, semicolons), all at the
 * procedure's face value. All or nothing: one bad identifier and the list is returned to fix.
 */
export async function addPastedList(em: EntityManager, claim: ClaimEntity, text: string, audit: AuditContext): Promise<number> {
  const version = await draftVersion(em, claim)
  const procedure = await em.findOneOrFail(Procedure, { id: claim.procedureId })
  const rule = identifierRule(procedure)
  const tokens = text.split(/[\s,;]+/).filter(Boolean)
  const errors: FieldError[] = []
  const seen = new Map<string, number>()
  const identifiers: string[] = []
  tokens.forEach((token, i) => {
    const id = checkIdentifier(token, rule)
    if (!id.ok) return void errors.push({ path: `liste, n° ${i + 1}`, message: id.error.message })
    const first = seen.get(id.value)
    if (first !== undefined) return void errors.push({ path: `liste, n° ${i + 1}`, message: `${id.value} figure déjà au n° ${first}` })
    seen.set(id.value, i + 1)
    identifiers.push(id.value)
  })
  if (!tokens.length) errors.push({ path: 'list', message: 'collez au moins un identifiant de pass' })
  if (errors.length) throw new DomainError('invalid', 'pasted_list_invalid', `${errors.length} identifiant(s) à corriger : rien n’a été ajouté.`, errors)
  await assertNotDeclared(em, version.id, identifiers)
  for (const identifier of identifiers) {
    em.create(ClaimLine, { kind: 'pass', identifier, faceValueCents: procedure.faceValueCents, amountCents: procedure.faceValueCents, versionId: version.id, source: 'pasted' })
  }
  await em.flush()
  await recordAudit(em, { ...audit, action: 'claim.lines_pasted', entityType: 'claim', entityId: claim.id, after: { count: identifiers.length } })
  await reconcileClaim(em, claim.procedureId, claim.id)
  return identifiers.length
}

export type OtherLineInput = { kind: string; label: string; invoiceNumber: string; invoiceDate: string; amount: string }

/** An unpaid platform subscription (77 € HT a year) or an unpaid invoice from the operator. */
export async function addOtherLine(em: EntityManager, claim: ClaimEntity, input: OtherLineInput, audit: AuditContext): Promise<ClaimLineEntity> {
  const version = await draftVersion(em, claim)
  const errors: FieldError[] = []
  const kind = input.kind === 'invoice' || input.kind === 'subscription' ? input.kind : null
  if (!kind) errors.push({ path: 'otherKind', message: 'choisissez abonnement ou facture' })
  const label = input.label.trim() || (kind === 'subscription' ? 'Abonnement à la plateforme' : '')
  if (!label) errors.push({ path: 'label', message: 'décrivez la créance' })
  const amount = parseEuros(input.amount)
  if (!amount.ok) errors.push({ path: 'amount', message: amount.error.message })
  else if (amount.value <= 0) errors.push({ path: 'amount', message: 'le montant doit être positif' })
  let invoiceDate: IsoDate | null = null
  if (input.invoiceDate.trim()) {
    const parsed = isIsoDate(input.invoiceDate.trim()) ? { ok: true as const, value: input.invoiceDate.trim() } : parseFrenchDate(input.invoiceDate)
    if (parsed.ok) invoiceDate = parsed.value
    else errors.push({ path: 'invoiceDate', message: parsed.error.message })
  }
  if (kind === 'invoice' && !input.invoiceNumber.trim()) errors.push({ path: 'invoiceNumber', message: 'numéro de facture requis' })
  if (kind === 'invoice' && !invoiceDate) errors.push({ path: 'invoiceDate', message: 'date de facture requise' })
  if (errors.length || !kind || !amount.ok) throw new DomainError('invalid', 'line_invalid', 'Ligne à corriger.', errors)
  const line = em.create(ClaimLine, {
    versionId: version.id,
    kind,
    label: label.slice(0, 255),
    invoiceNumber: input.invoiceNumber.trim() || null,
    invoiceDate,
    amountCents: amount.value,
    source: 'typed',
  })
  await em.flush()
  await recordAudit(em, { ...audit, action: 'claim.line_added', entityType: 'claim', entityId: claim.id, after: { lineId: line.id, kind, amountCents: line.amountCents } })
  return line
}

/** Changes a pass line of the draft; the same checks as when it was added. */
export async function updatePassLine(em: EntityManager, claim: ClaimEntity, lineId: string, input: PassLineInput, audit: AuditContext): Promise<ClaimLineEntity> {
  const version = await draftVersion(em, claim)
  const line = isUuid(lineId) ? await em.findOne(ClaimLine, { id: lineId, versionId: version.id, kind: 'pass' }) : null
  if (!line) throw new DomainError('not_found', 'line_not_found', 'Cette ligne n’existe pas dans la version en cours.')
  const procedure = await em.findOneOrFail(Procedure, { id: claim.procedureId })
  const { line: changed, errors } = parsePassLine(input, procedure)
  if (errors.length) throw new DomainError('invalid', 'line_invalid', 'Ligne à corriger.', errors)
  if (changed.identifier !== line.identifier) await assertNotDeclared(em, version.id, [changed.identifier as string])
  const before = { identifier: line.identifier, amountCents: line.amountCents, serviceDate: line.serviceDate, scanDate: line.scanDate, funder: line.funder }
  Object.assign(line, changed)
  await em.flush()
  await recordAudit(em, { ...audit, action: 'claim.line_changed', entityType: 'claim', entityId: claim.id, before: { lineId, ...before }, after: { lineId, identifier: line.identifier, amountCents: line.amountCents, serviceDate: line.serviceDate, scanDate: line.scanDate, funder: line.funder } })
  await reconcileClaim(em, claim.procedureId, claim.id)
  return line
}

export async function deleteLine(em: EntityManager, claim: ClaimEntity, lineId: string, audit: AuditContext): Promise<void> {
  const version = await draftVersion(em, claim)
  const line = isUuid(lineId) ? await em.findOne(ClaimLine, { id: lineId, versionId: version.id }) : null
  if (!line) throw new DomainError('not_found', 'line_not_found', 'Cette ligne n’existe pas dans la version en cours.')
  const before = { lineId: line.id, identifier: line.identifier, amountCents: line.amountCents }
  em.remove(line)
  await em.flush()
  await recordAudit(em, { ...audit, action: 'claim.line_removed', entityType: 'claim', entityId: claim.id, before })
  await reconcileClaim(em, claim.procedureId, claim.id)
}

export type ClaimView = {
  claim: ClaimEntity
  version: ClaimVersionEntity
  procedure: ProcedureEntity
  structure: StructureEntity
  deadline: DeadlineStatus | null
  totals: ClaimTotals
  checklist: ChecklistItem[]
  lineCount: number
  versions: ClaimVersionEntity[]
}

export async function ruleLines(em: EntityManager, versionId: string): Promise<RuleLine[]> {
  const rows = await em.execute<{ kind: RuleLine['kind']; amount_cents: string; date: string | null; after_judgment: boolean | null }[]>(
    `select "kind", "amount_cents", to_char(coalesce("service_date", "invoice_date"), 'YYYY-MM-DD') as "date", "after_judgment"
       from "claim_line" where "version_id" = ?`,
    [versionId],
  )
  return rows.map((r) => ({ kind: r.kind, amountCents: Number(r.amount_cents), date: r.date, afterJudgment: r.after_judgment }))
}

export async function claimView(em: EntityManager, claim: ClaimEntity, now = new Date()): Promise<ClaimView> {
  const [version, procedure, structure, versions] = await Promise.all([
    currentVersion(em, claim),
    em.findOneOrFail(Procedure, { id: claim.procedureId }),
    em.findOneOrFail(Structure, { id: claim.structureId }),
    em.find(ClaimVersion, { claimId: claim.id }, { orderBy: { version: 'desc' } }),
  ])
  const lines = await ruleLines(em, version.id)
  const evidence = await em.find(Evidence, { claimId: claim.id, removedAt: null }, { fields: ['kind'] })
  const overridden = await em.count(ClaimLine, { versionId: version.id, faceValueReason: { $ne: null } })
  const deadline = deadlineNow(procedure, structure, now)
  return {
    claim,
    version,
    procedure,
    structure,
    deadline,
    totals: claimTotals(lines, procedure.judgmentDate),
    checklist: checklist({
      identityComplete: Boolean(structure.siret && structure.name && structure.address),
      lines,
      evidenceKinds: evidence.map((e) => e.kind),
      deadline,
      overriddenValues: overridden,
    }),
    lineCount: lines.length,
    versions,
  }
}
