// Receiving files for a claim, shared by the evidence panel and the import wizard: within the
// claim's remaining budget, checked, recorded as evidence; if anything is refused, the files this
// request added to the store are removed again, so a refused upload leaves nothing behind.
import type { FastifyRequest } from 'fastify'
import { DomainError } from '../../errors.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { receiveEvidence, type ReceivedFile } from '../evidence/upload.ts'
import type { ClaimEntity, EvidenceEntity } from './entities.ts'
import { claimEvidenceBytes, forgetNewFiles, parseEvidenceKind, recordEvidence } from './evidence.ts'

export type ClaimUploadOptions = {
  limits: { maxFileBytes: number; maxClaimBytes: number }
  maxFiles?: number
  /** The kind when the form sends none. */
  defaultKind?: string
  /** Refuses a file by throwing (e.g. the import wants a spreadsheet). */
  check?: (file: ReceivedFile) => void
}

export async function uploadToClaim(request: FastifyRequest, store: EvidenceStore, claim: ClaimEntity, options: ClaimUploadOptions): Promise<EvidenceEntity[]> {
  const { limits } = options
  const used = await claimEvidenceBytes(request.em, claim.id)
  const received = await receiveEvidence(request, store, {
    maxFileBytes: limits.maxFileBytes,
    remainingClaimBytes: limits.maxClaimBytes - used,
    maxClaimBytes: limits.maxClaimBytes,
    ...(options.maxFiles ? { maxFiles: options.maxFiles } : {}),
  })
  try {
    const kind = parseEvidenceKind(received.fields.kind || options.defaultKind)
    if (!received.files.length) throw new DomainError('invalid', 'no_file', 'Choisissez au moins un fichier.', [{ path: 'file', message: 'aucun fichier' }])
    for (const file of received.files) options.check?.(file)
    return await request.em.transactional((em) => recordEvidence(em, claim, received.files, kind, auditContext(request)))
  } catch (error) {
    await forgetNewFiles(store, received.files)
    throw error
  }
}
