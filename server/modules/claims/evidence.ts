// Evidence of a claim: files kept exactly as uploaded (content-addressed store), recorded with
// their kind so that the checklist knows which lines they support (R622-23).
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { reconcileClaim } from '../reconciliation/service.ts'
import { markDocumentsReceived } from '../review/documents-request.ts'
import { recordAudit } from '../audit/service.ts'
import type { AuditContext } from '../accounts/service.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import type { ReceivedFile } from '../evidence/upload.ts'
import { ClaimVersion, EVIDENCE_KINDS, Evidence, type ClaimEntity, type EvidenceEntity, type EvidenceKind } from './entities.ts'
import { isUuid } from '../../lib/uuid.ts'

export const EVIDENCE_KIND_LABELS: Record<EvidenceKind, string> = {
  pass_scans: 'scans ou photos de pass',
  platform_export: 'export de la plateforme',
  invoice: 'facture',
  bank_statement: 'relevé bancaire',
  correspondence: 'courrier',
  other: 'autre',
}

export function parseEvidenceKind(raw: string | undefined): EvidenceKind {
  const kind = EVIDENCE_KINDS.find((k) => k === raw)
  if (!kind) throw new DomainError('invalid', 'evidence_kind_invalid', 'Choisissez le type de pièce.', [{ path: 'kind', message: 'type de pièce requis' }])
  return kind
}

export async function claimEvidenceBytes(em: EntityManager, claimId: string): Promise<number> {
  const [row] = await em.execute<{ total: string | null }[]>(`select sum("size_bytes") as total from "evidence" where "claim_id" = ? and "removed_at" is null`, [claimId])
  return Number(row?.total ?? 0)
}

/** Records files already in the store; if recording fails, the caller removes what it added. */
export async function recordEvidence(em: EntityManager, claim: ClaimEntity, files: ReceivedFile[], kind: EvidenceKind, audit: AuditContext): Promise<EvidenceEntity[]> {
  const rows = files.map((f) =>
    em.create(Evidence, {
      claimId: claim.id,
      sha256: f.sha256,
      sizeBytes: f.sizeBytes,
      mime: f.mime,
      kind,
      originalName: f.originalName.slice(0, 255) || `piece.${f.ext}`,
      uploadedBy: audit.actor.id,
    }),
  )
  await em.flush()
  for (const row of rows) {
    await recordAudit(em, { ...audit, action: 'evidence.added', entityType: 'claim', entityId: claim.id, after: { evidenceId: row.id, sha256: row.sha256, kind, sizeBytes: row.sizeBytes, mime: row.mime } })
  }
  // Files sent after the liquidator asked for documents answer that request.
  await markDocumentsReceived(em, claim.id, audit)
  // Evidence turns "unscanned, ask for proof" into "admit" (DOMAIN §5).
  await reconcileClaim(em, claim.procedureId, claim.id)
  return rows
}

export async function listEvidence(em: EntityManager, claimId: string): Promise<EvidenceEntity[]> {
  return em.find(Evidence, { claimId, removedAt: null }, { orderBy: { uploadedAt: 'asc' } })
}

/** Withdraws a file from a claim not yet submitted; once a version lists it in its bordereau, it stays. */
export async function withdrawEvidence(em: EntityManager, claim: ClaimEntity, evidenceId: string, audit: AuditContext): Promise<void> {
  const row = isUuid(evidenceId) ? await em.findOne(Evidence, { id: evidenceId, claimId: claim.id, removedAt: null }) : null
  if (!row) throw new DomainError('not_found', 'evidence_not_found', 'Cette pièce n’existe pas.')
  if (await em.count(ClaimVersion, { claimId: claim.id, status: 'submitted' })) {
    throw new DomainError('conflict', 'evidence_in_submitted_version', 'Cette pièce figure dans une déclaration déposée : elle est conservée.')
  }
  row.removedAt = new Date()
  await em.flush()
  await recordAudit(em, { ...audit, action: 'evidence.withdrawn', entityType: 'claim', entityId: claim.id, before: { evidenceId: row.id, sha256: row.sha256 } })
  await reconcileClaim(em, claim.procedureId, claim.id)
}

export async function findEvidence(em: EntityManager, claimId: string, evidenceId: string): Promise<EvidenceEntity | null> {
  return isUuid(evidenceId) ? em.findOne(Evidence, { id: evidenceId, claimId, removedAt: null }) : null
}

/** Files this request put into the store that no other record uses: removed when recording fails. */
export async function forgetNewFiles(store: EvidenceStore, files: ReceivedFile[]): Promise<void> {
  for (const f of files) if (!f.alreadyStored) await store.remove(f.sha256)
}
