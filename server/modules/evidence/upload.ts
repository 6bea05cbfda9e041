// Receiving evidence in a Fastify route: the multipart file parts go straight from the request
// into the evidence store as streams (never buffered whole), within the per-file limit and what is
// left of the claim's budget. A deposit is all or nothing: if one of its files is refused, the
// files this request added to the store are removed again.
//
// The app registers @fastify/multipart itself, with multipartOptions(); receiveEvidence() also
// passes its own limits for its request, so it does not depend on them.
import type { FastifyRequest } from 'fastify'
import type { FastifyMultipartOptions, MultipartFile } from '@fastify/multipart'
import { DomainError } from '../../errors.ts'
import {
  DEFAULT_MAX_CLAIM_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  fileTooLarge,
  formatMegabytes,
  type EvidenceStore,
  type StoredFile,
} from './store.ts'

/** The form field that carries files; may be repeated. */
export const FILE_FIELD = 'file'
export const DEFAULT_MAX_FILES = 10
const MAX_FIELDS = 20
const MAX_FIELD_BYTES = 10_000

export type UploadLimits = {
  /** Per file, e.g. DEFAULT_MAX_FILE_BYTES. */
  maxFileBytes: number
  /** What the claim may still take: its budget less the files it already has. */
  remainingClaimBytes: number
  /** The claim's whole budget, only to word the message. Default 500 Mo. */
  maxClaimBytes?: number
  /** Files in one request. Default 10. */
  maxFiles?: number
}

export type ReceivedFile = StoredFile & {
  /** As the browser sent it: for display only, never to decide the type. */
  originalName: string
}

export type ReceivedEvidence = {
  files: ReceivedFile[]
  /** The text fields of the form (kind, comment…); the last value wins if one is repeated. */
  fields: Record<string, string>
}

function busboyLimits(maxFileBytes: number, maxFiles: number) {
  return {
    // Busboy truncates a file past this (file.truncated); the store's own count trips first.
    fileSize: maxFileBytes + 1,
    files: maxFiles,
    fields: MAX_FIELDS,
    fieldSize: MAX_FIELD_BYTES,
    fieldNameSize: 100,
    parts: maxFiles + MAX_FIELDS,
    headerPairs: 100,
  }
}

/** Recommended options for `app.register(multipart, multipartOptions(...))`. */
export function multipartOptions(
  limits: { maxFileBytes?: number; maxFiles?: number } = {},
): FastifyMultipartOptions {
  return {
    limits: busboyLimits(limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, limits.maxFiles ?? DEFAULT_MAX_FILES),
    throwFileSizeLimit: true,
    attachFieldsToBody: false,
  }
}

function claimBudgetExceeded(limits: UploadLimits): DomainError {
  const message =
    `Ce dépôt dépasserait la limite de ${formatMegabytes(limits.maxClaimBytes ?? DEFAULT_MAX_CLAIM_BYTES)} ` +
    `par déclaration (reste : ${formatMegabytes(Math.max(0, limits.remainingClaimBytes))}).`
  return new DomainError('too_large', 'claim_quota_exceeded', message, [{ path: FILE_FIELD, message }])
}

function tooManyFiles(maxFiles: number): DomainError {
  const message = `Un dépôt compte au plus ${maxFiles} fichiers.`
  return new DomainError('too_large', 'too_many_files', message, [{ path: FILE_FIELD, message }])
}

const INTERRUPTED =
  /unexpected end of (form|multipart data)|part terminated early|malformed part header|boundary not found|premature close|aborted/iu

/** Multipart's own errors, and a client gone mid-way, as errors a person can act on. */
function translate(error: unknown, limits: UploadLimits, maxFiles: number): unknown {
  if (error instanceof DomainError || !(error instanceof Error)) return error
  const code = 'code' in error ? String(error.code) : ''
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return fileTooLarge(limits.maxFileBytes)
    case 'FST_FILES_LIMIT':
      return tooManyFiles(maxFiles)
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new DomainError('invalid', 'too_many_fields', 'Le formulaire envoyé compte trop de champs.')
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new DomainError(
        'unsupported',
        'multipart_expected',
        'Les fichiers doivent être envoyés par un formulaire (multipart/form-data).',
      )
    case 'FST_PROTO_VIOLATION':
    case 'FST_INVALID_JSON_FIELD_ERROR':
      return new DomainError('invalid', 'invalid_form', 'Le formulaire envoyé est invalide.')
    case 'FST_MP_PREMATURE_CLOSE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
    case 'ECONNRESET':
      return interrupted()
    default:
      return INTERRUPTED.test(error.message) ? interrupted() : error
  }
}

function interrupted(): DomainError {
  return new DomainError('invalid', 'upload_interrupted', 'L’envoi du fichier a été interrompu : veuillez recommencer.')
}

/** The file's bytes, failing at the end if busboy cut the file at its size limit. */
async function* untruncated(part: MultipartFile, maxFileBytes: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of part.file) yield chunk as Uint8Array
  if (part.file.truncated) throw fileTooLarge(maxFileBytes)
}

async function* prepend(first: Uint8Array, rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first
  yield* rest
}

/**
 * Reads a multipart request: every `file` part is streamed into the store, text fields are
 * collected. Throws DomainError (413 too large or over the claim's budget, 415 refused type, 400
 * malformed or interrupted) after removing what this request had added to the store.
 */
export async function receiveEvidence(
  request: FastifyRequest,
  store: EvidenceStore,
  limits: UploadLimits,
): Promise<ReceivedEvidence> {
  const maxFiles = limits.maxFiles ?? DEFAULT_MAX_FILES
  const files: ReceivedFile[] = []
  const fields: Record<string, string> = {}
  let usedBytes = 0
  try {
    for await (const part of request.parts({ limits: busboyLimits(limits.maxFileBytes, maxFiles) })) {
      if (part.type === 'field') {
        if (part.valueTruncated || part.fieldnameTruncated) {
          throw new DomainError('invalid', 'field_too_long', `Le champ « ${part.fieldname} » est trop long.`)
        }
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : JSON.stringify(part.value)
        continue
      }
      if (part.fieldname !== FILE_FIELD) {
        part.file.destroy()
        throw new DomainError('invalid', 'unexpected_file_field', `Fichier inattendu dans le champ « ${part.fieldname} ».`)
      }
      let bytes = untruncated(part, limits.maxFileBytes)
      if (!part.filename) {
        // A file input left empty: browsers send a part with an empty name and no bytes. Not a file.
        const first = await bytes.next()
        if (first.done) continue
        bytes = prepend(first.value, bytes)
      }
      if (files.length >= maxFiles) {
        part.file.destroy()
        throw tooManyFiles(maxFiles)
      }
      const budget = limits.remainingClaimBytes - usedBytes
      const overBudget = budget < limits.maxFileBytes
      if (budget <= 0) {
        part.file.destroy()
        throw claimBudgetExceeded(limits)
      }
      let stored: StoredFile
      try {
        stored = await store.put(bytes, {
          maxBytes: Math.min(limits.maxFileBytes, budget),
          fileName: part.filename,
        })
      } catch (error) {
        if (overBudget && error instanceof DomainError && error.code === 'file_too_large') {
          throw claimBudgetExceeded(limits)
        }
        throw error
      }
      files.push({ ...stored, originalName: part.filename ?? '' })
      usedBytes += stored.sizeBytes
    }
  } catch (error) {
    // All or nothing. A file that was already in the store before this request belongs to
    // someone else (or to an earlier deposit) and stays.
    await Promise.all(files.filter((f) => !f.alreadyStored).map((f) => store.remove(f.sha256)))
    throw translate(error, limits, maxFiles)
  }
  if (files.length === 0) {
    throw new DomainError('invalid', 'file_missing', 'Aucun fichier reçu : choisissez un fichier à déposer.', [
      { path: FILE_FIELD, message: 'Choisissez un fichier.' },
    ])
  }
  return { files, fields }
}
