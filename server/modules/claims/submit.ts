// Submitting a claim: signed, "certifiée sincère", frozen, documented (PDF with its bordereau),
// acknowledged by mail to every member and notified to the liquidator, all in one transaction.
import { Readable } from 'node:stream'
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError, type FieldError } from '../../errors.ts'
import { formatFrenchDate } from '../../lib/calendar.ts'
import { canSubmit } from '../../lib/claim-rules.ts'
import { formatEuros } from '../../lib/money.ts'
import { findCommune } from '../../lib/territory.ts'
import { reconcileClaim } from '../reconciliation/service.ts'
import { recordAudit } from '../audit/service.ts'
import { carryDecisionsOver } from '../review/carry-over.ts'
import type { AuditContext } from '../accounts/service.ts'
import { renderClaimPdf, type ClaimDocumentData } from '../documents/claim-pdf.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { activeMembers } from '../structures/service.ts'
import { Claim, ClaimLine, ClaimVersion, type ClaimEntity, type ClaimVersionEntity } from './entities.ts'
import { EVIDENCE_KIND_LABELS, listEvidence } from './evidence.ts'
import { claimView, deadlinesFor, type ClaimView } from './service.ts'
import { canMove } from '../../lib/claim-states.ts'

export const SINCERITY_STATEMENT =
  'Je certifie sincère et véritable la présente déclaration de créance, établie sur la base des pièces jointes.'

export type SubmitInput = { signerName: string; signerCapacity: string; certify: boolean; reliefReason: string }

function checkSigner(input: SubmitInput, view: ClaimView): FieldError[] {
  const errors: FieldError[] = []
  if (input.signerName.trim().length < 2) errors.push({ path: 'signerName', message: 'nom du signataire requis' })
  if (input.signerCapacity.trim().length < 2) errors.push({ path: 'signerCapacity', message: 'qualité du signataire requise (ex. présidente, directeur, salarié mandaté)' })
  if (!input.certify) errors.push({ path: 'certify', message: 'cochez la déclaration de sincérité' })
  if (view.deadline?.status === 'late_relief_possible' && input.reliefReason.trim().length < 10) {
    errors.push({ path: 'reliefReason', message: 'expliquez pourquoi la déclaration n’a pu être faite dans le délai (relevé de forclusion, L622-26)' })
  }
  return errors
}

/** Everything the document states, from the database: the PDF is a pure function of it. */
export async function documentData(em: EntityManager, view: ClaimView, version: ClaimVersionEntity, submittedAt: Date, input: SubmitInput): Promise<ClaimDocumentData> {
  const { structure, procedure, claim, totals } = view
  const lines = await em.find(ClaimLine, { versionId: version.id }, { orderBy: { kind: 'asc', identifier: 'asc', createdAt: 'asc' } })
  const evidence = await listEvidence(em, claim.id)
  const commune = findCommune(structure.communeCode)
  const late = view.deadline?.status === 'late_relief_possible'
  return {
    claim: { number: claim.number, version: version.version, kind: late && version.kind === 'initial' ? 'late_supplement' : version.kind, submittedAt: submittedAt.toISOString() },
    creditor: {
      name: structure.name,
      siret: structure.siret,
      address: structure.address,
      commune: structure.communeName,
      departement: commune ? `${commune.departement.nom} (${commune.departement.code})` : structure.departementCode,
      overseas: structure.overseas,
      email: structure.contactEmail,
    },
    debtor: { name: procedure.debtorName, siren: procedure.debtorSiren, address: procedure.debtorAddress },
    procedure: {
      court: procedure.court ?? null,
      judgmentDate: procedure.judgmentDate,
      bodaccPublicationDate: procedure.bodaccPublicationDate ?? null,
      liquidator: procedure.liquidatorName ? { name: procedure.liquidatorName, address: procedure.liquidatorAddress ?? '' } : null,
      deadline: deadlinesFor(procedure, structure)?.claimDeadline ?? null,
      late,
    },
    totals: { dueCents: totals.dueCents, toFallDueCents: totals.toFallDueCents, toFallDueDates: totals.toFallDueDates, nature: 'chirographaire' },
    passLines: lines
      .filter((l) => l.kind === 'pass')
      .map((l) => ({ identifier: l.identifier as string, faceValueCents: l.amountCents, serviceDate: l.serviceDate ?? null, scanDate: l.scanDate ?? null, funder: l.funder ?? null, afterJudgment: l.afterJudgment ?? null })),
    otherLines: lines
      .filter((l) => l.kind !== 'pass')
      .map((l) => ({ kind: l.kind as 'invoice' | 'subscription', label: l.label ?? '', invoiceNumber: l.invoiceNumber ?? null, date: l.invoiceDate ?? null, amountCents: l.amountCents })),
    evidence: evidence.map((e) => ({ fileName: e.originalName, kind: EVIDENCE_KIND_LABELS[e.kind], sizeBytes: e.sizeBytes, sha256: e.sha256 })),
    signer: { name: input.signerName.trim(), capacity: input.signerCapacity.trim(), statement: SINCERITY_STATEMENT },
    relief: late ? { reason: input.reliefReason.trim() } : null,
  }
}

export type SubmitOutcome = { version: ClaimVersionEntity; alreadySubmitted: boolean }

/** Idempotent: a second click (or a retried request) finds the version submitted and changes nothing. */
export async function submitClaim(
  em: EntityManager,
  deps: { files: EvidenceStore; mail: MailDeps },
  claimId: string,
  input: SubmitInput,
  audit: AuditContext,
  now = new Date(),
): Promise<SubmitOutcome> {
  // Serialises concurrent submissions of one claim: the second waits, then sees the first's result.
  await em.execute(`select 1 from "claim" where "id" = ? for update`, [claimId])
  const claim: ClaimEntity = await em.findOneOrFail(Claim, { id: claimId }, { refresh: true })
  const version = await em.findOneOrFail(ClaimVersion, { claimId, version: claim.currentVersion }, { refresh: true })
  if (version.status === 'submitted') return { version, alreadySubmitted: true }
  const view = await claimView(em, claim, now)
  if (!canSubmit(view.checklist)) {
    const missing = view.checklist.filter((i) => !i.ok && i.blocking)
    throw new DomainError('conflict', 'claim_incomplete', `La déclaration ne peut pas encore être déposée : ${missing.map((i) => i.action ?? i.label).join(' ')}`)
  }
  const errors = checkSigner(input, view)
  if (errors.length) throw new DomainError('invalid', 'signature_incomplete', 'La signature est incomplète.', errors)

  const data = await documentData(em, view, version, now, input)
  const { pdf, sha256 } = await renderClaimPdf(data)
  await deps.files.put(Readable.from([Buffer.from(pdf)]), { maxBytes: 200 * 1024 * 1024 })
  Object.assign(version, {
    status: 'submitted',
    kind: data.claim.kind,
    signerName: data.signer?.name,
    signerCapacity: data.signer?.capacity,
    reliefReason: data.relief?.reason ?? null,
    submittedAt: now,
    submittedBy: audit.actor.id,
    late: data.procedure.late,
    dueCents: view.totals.dueCents,
    toFallDueCents: view.totals.toFallDueCents,
    pdfSha256: sha256,
  })
  // A correction filed while the review is still open restarts it; once a letter is out, the review
  // goes on with the new version in view and the claim keeps its state.
  if (claim.status === 'draft' || canMove(claim.status, 'submitted')) claim.status = 'submitted'
  await em.flush()
  // Decisions on the previous version's lines: in force only for the lines left unchanged.
  if (version.version > 1) await carryDecisionsOver(em, claim.id, version.id, audit.actor, audit.requestId)
  await recordAudit(em, {
    ...audit,
    action: 'claim.submitted',
    entityType: 'claim',
    entityId: claim.id,
    after: { version: version.version, kind: version.kind, dueCents: version.dueCents, toFallDueCents: version.toFallDueCents, lines: view.lineCount, pdfSha256: sha256, late: version.late },
  })

  const attachment = { filename: `declaration-${claim.number}-v${version.version}.pdf`, sha256, contentType: 'application/pdf' }
  const mailData = {
    number: claim.number,
    version: version.version,
    structureName: view.structure.name,
    due: formatEuros(view.totals.dueCents),
    toFallDue: formatEuros(view.totals.toFallDueCents),
    passCount: view.totals.passCount,
    submittedOn: formatFrenchDate(now.toISOString().slice(0, 10)),
    signer: `${version.signerName} (${version.signerCapacity})`,
    deadline: view.deadline ? (view.deadline.status === 'open' ? `déposée dans le délai (date limite : ${formatFrenchDate(view.deadline.deadline)})` : 'déposée hors délai, avec une demande de relevé de forclusion') : 'date limite non encore connue',
    link: `${deps.mail.publicUrl}/structures/${view.structure.id}/declaration`,
  }
  for (const member of await activeMembers(em, view.structure.id)) {
    await queueMail(em, deps.mail, { to: member.email, template: 'claim-acknowledgement', data: mailData, attachments: [attachment] })
  }
  if (view.procedure.liquidatorEmail) {
    await queueMail(em, deps.mail, { to: view.procedure.liquidatorEmail, template: 'claim-submitted-notice', data: mailData, attachments: [attachment] })
  }
  return { version, alreadySubmitted: false }
}

/** After a submission: a correction before the deadline, a late supplement after it (L622-26). */
export async function startNewVersion(em: EntityManager, claim: ClaimEntity, audit: AuditContext, now = new Date()): Promise<ClaimVersionEntity> {
  const current = await em.findOneOrFail(ClaimVersion, { claimId: claim.id, version: claim.currentVersion })
  if (current.status !== 'submitted') throw new DomainError('conflict', 'draft_exists', 'Une version est déjà en cours de rédaction.')
  const view = await claimView(em, claim, now)
  if (view.deadline?.status === 'foreclosed') {
    throw new DomainError('conflict', 'foreclosed', 'Le délai de relevé de forclusion (six mois) est dépassé : la déclaration ne peut plus être modifiée (L622-26).')
  }
  const next = em.create(ClaimVersion, {
    claimId: claim.id,
    version: current.version + 1,
    kind: view.deadline?.status === 'late_relief_possible' ? 'late_supplement' : 'correction',
  })
  claim.currentVersion = next.version
  await em.flush()
  await em.execute(
    `insert into "claim_line" ("id", "version_id", "kind", "identifier", "face_value_cents", "face_value_reason", "service_date", "scan_date", "funder",
                               "after_judgment", "label", "invoice_number", "invoice_date", "amount_cents", "source", "source_row", "evidence_id", "source_page", "created_at")
     select gen_random_uuid(), ?, "kind", "identifier", "face_value_cents", "face_value_reason", "service_date", "scan_date", "funder",
            "after_judgment", "label", "invoice_number", "invoice_date", "amount_cents", 'copied', "source_row", "evidence_id", "source_page", now()
       from "claim_line" where "version_id" = ?`,
    [next.id, current.id],
  )
  await recordAudit(em, { ...audit, action: 'claim.version_started', entityType: 'claim', entityId: claim.id, after: { version: next.version, kind: next.kind } })
  await reconcileClaim(em, claim.procedureId, claim.id)
  return next
}
