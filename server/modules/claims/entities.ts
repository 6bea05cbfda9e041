import { defineEntity, p, type InferEntity } from '@mikro-orm/core'
import { CLAIM_STATES } from '../../lib/claim-states.ts'

export const VERSION_STATUSES = ['draft', 'submitted'] as const
export const VERSION_KINDS = ['initial', 'correction', 'late_supplement'] as const
export const LINE_KINDS = ['pass', 'subscription', 'invoice'] as const
export const LINE_SOURCES = ['typed', 'pasted', 'import', 'ocr', 'copied'] as const
export const EVIDENCE_KINDS = ['pass_scans', 'platform_export', 'invoice', 'bank_statement', 'correspondence', 'other'] as const
export type LineKind = (typeof LINE_KINDS)[number]
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number]

/** A structure's déclaration de créance in a procedure: one per structure, with versions. */
export const Claim = defineEntity({
  name: 'Claim',
  tableName: 'claim',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    procedureId: p.uuid(),
    structureId: p.uuid(),
    number: p.string().unique(),
    status: p.enum(CLAIM_STATES).default('draft'),
    currentVersion: p.integer().default(1),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
})
export type ClaimEntity = InferEntity<typeof Claim>

/** What was declared at one time. A submitted version is frozen (its lines too, by trigger). */
export const ClaimVersion = defineEntity({
  name: 'ClaimVersion',
  tableName: 'claim_version',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    claimId: p.uuid(),
    version: p.integer(),
    kind: p.enum(VERSION_KINDS),
    status: p.enum(VERSION_STATUSES).default('draft'),
    signerName: p.string().nullable(),
    signerCapacity: p.string().nullable(),
    reliefReason: p.text().nullable(),
    submittedAt: p.datetime().nullable(),
    submittedBy: p.uuid().nullable(),
    late: p.boolean().default(false),
    dueCents: p.bigint('number').nullable(),
    toFallDueCents: p.bigint('number').nullable(),
    pdfSha256: p.string().length(64).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
})
export type ClaimVersionEntity = InferEntity<typeof ClaimVersion>

export const ClaimLine = defineEntity({
  name: 'ClaimLine',
  tableName: 'claim_line',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    versionId: p.uuid(),
    kind: p.enum(LINE_KINDS),
    identifier: p.string().nullable(),
    faceValueCents: p.bigint('number').nullable(),
    faceValueReason: p.text().nullable(),
    serviceDate: p.date().nullable(),
    scanDate: p.date().nullable(),
    funder: p.string().nullable(),
    afterJudgment: p.boolean().nullable(),
    label: p.string().nullable(),
    invoiceNumber: p.string().nullable(),
    invoiceDate: p.date().nullable(),
    amountCents: p.bigint('number'),
    source: p.enum(LINE_SOURCES),
    sourceRow: p.integer().nullable(),
    /** The file this line was read from (import, OCR): its evidence, line by line. */
    evidenceId: p.uuid().nullable(),
    /** The page of that file (a scanned PDF read by OCR). */
    sourcePage: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
})
export type ClaimLineEntity = InferEntity<typeof ClaimLine>

/** A file supporting a claim, stored content-addressed; the row says who gave it for what. */
export const Evidence = defineEntity({
  name: 'Evidence',
  tableName: 'evidence',
  properties: {
    id: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    claimId: p.uuid(),
    sha256: p.string().length(64),
    sizeBytes: p.bigint('number'),
    mime: p.string(),
    kind: p.enum(EVIDENCE_KINDS),
    originalName: p.string(),
    uploadedBy: p.uuid().nullable(),
    uploadedAt: p.datetime().onCreate(() => new Date()),
    removedAt: p.datetime().nullable(),
  },
})
export type EvidenceEntity = InferEntity<typeof Evidence>
