// Evidence is kept exactly as uploaded, addressed by its SHA-256 (DOMAIN.md §6):
// <root>/<aa>/<bb>/<sha256>, read-only. A file is streamed to a temporary file beside the store
// (same filesystem) while it is hashed, counted and sniffed, then linked into place atomically.
// Whatever goes wrong — too large, refused type, broken or aborted stream — nothing stays on disk.
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { access, link, mkdir, open, readdir, rename, rm, rmdir, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Readable } from 'node:stream'
import { DomainError } from '../../errors.ts'
import { GENERIC_REFUSAL, refusalReason, sniffKind, SNIFF_BYTES, type SniffedType } from './sniff.ts'

export const MEBIBYTE = 1024 * 1024
/** Per file. */
export const DEFAULT_MAX_FILE_BYTES = 25 * MEBIBYTE
/** Per claim, all its files together. */
export const DEFAULT_MAX_CLAIM_BYTES = 500 * MEBIBYTE
/** Evidence is never rewritten: owner and group may read, nobody may write. */
export const FILE_MODE = 0o440

export type StoredFile = SniffedType & {
  sha256: string
  sizeBytes: number
  /** True if the same content was already in the store (this upload added nothing). */
  alreadyStored: boolean
}

export type PutLimits = {
  maxBytes: number
  /** The uploaded name, only to word a refusal ("…, pas un PDF"): it never decides the type. */
  fileName?: string
}

export type EvidenceStore = {
  readonly root: string
  put(stream: Readable | AsyncIterable<Uint8Array>, limits: PutLimits): Promise<StoredFile>
  path(sha256: string): string
  exists(sha256: string): Promise<boolean>
  /** The file's bytes. Check exists() first: a missing file errors on the stream. */
  open(sha256: string): Readable
  /** Removes a stored file (and its folders when they become empty). Missing is fine. */
  remove(sha256: string): Promise<void>
  /** Removes temporary files a crashed process left behind, older than maxAgeMs. */
  sweep(maxAgeMs?: number): Promise<number>
}

const SHA256 = /^[0-9a-f]{64}$/u
const TEMP_PREFIX = '.part-'

/** "25 Mo", "12,3 Mo", "40 ko": rounded down, so a remaining budget is never overstated. */
export function formatMegabytes(bytes: number): string {
  const fr = (n: number) =>
    new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1, roundingMode: 'floor' }).format(n)
  if (bytes > 0 && bytes < MEBIBYTE / 10) return `${fr(Math.max(1, Math.floor(bytes / 1024)))} ko`
  return `${fr(bytes / MEBIBYTE)} Mo`
}

export function fileTooLarge(maxBytes: number): DomainError {
  const message = `Le fichier dépasse la taille maximale de ${formatMegabytes(maxBytes)}.`
  return new DomainError('too_large', 'file_too_large', message, [{ path: 'file', message }])
}

async function fileTypeRefused(head: Uint8Array, fileName: string | undefined): Promise<DomainError> {
  const reason =
    (await refusalReason(head, fileName)) ??
    GENERIC_REFUSAL
  const name = fileName ? ` « ${fileName} »` : ''
  const message = `Fichier${name} refusé : ${reason}.`
  return new DomainError('unsupported', 'file_type_refused', message, [{ path: 'file', message: reason }])
}

function checkedSha256(sha256: string): string {
  if (!SHA256.test(sha256)) throw new DomainError('not_found', 'evidence_not_found', 'Pièce introuvable.')
  return sha256
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset)
    offset += bytesWritten
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8')
  throw new TypeError('evidence stream must yield bytes')
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Not every filesystem lets a directory be synced; the file itself was.
  }
}

/**
 * Puts the temporary file at its final name without ever replacing an existing one: link() fails
 * with EEXIST when the content is already stored, so of two concurrent identical uploads exactly
 * one reports alreadyStored false. Returns alreadyStored.
 */
async function commit(temporary: string, final: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    await mkdir(dirname(final), { recursive: true })
    try {
      await link(temporary, final)
      await syncDirectory(dirname(final))
      return false
    } catch (error) {
      const code = errorCode(error)
      if (code === 'EEXIST') return true
      // A concurrent remove() may have taken the empty folders away between mkdir and link.
      if (code === 'ENOENT' && attempt < 3) continue
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
        // No hard links here: same content either way, so a rename over a racing twin is harmless.
        if (await exists(final)) return true
        await rename(temporary, final)
        await syncDirectory(dirname(final))
        return false
      }
      throw error
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

export function createEvidenceStore(root: string): EvidenceStore {
  const pathOf = (sha256: string) => {
    const sha = checkedSha256(sha256)
    return join(root, sha.slice(0, 2), sha.slice(2, 4), sha)
  }

  async function put(stream: Readable | AsyncIterable<Uint8Array>, limits: PutLimits): Promise<StoredFile> {
    await mkdir(root, { recursive: true })
    const temporary = join(root, `${TEMP_PREFIX}${randomUUID()}`)
    const handle = await open(temporary, 'wx', 0o600)
    let closed = false
    try {
      const hash = createHash('sha256')
      let sizeBytes = 0
      const headChunks: Uint8Array[] = []
      let headBytes = 0
      let type: SniffedType | null | undefined
      const sniff = async (): Promise<SniffedType> => {
        const head = Buffer.concat(headChunks)
        const sniffed = await sniffKind(head)
        if (!sniffed) throw await fileTypeRefused(head, limits.fileName)
        headChunks.length = 0
        return sniffed
      }

      // Leaving this loop by a throw destroys the source stream, which stops the upload.
      for await (const raw of stream) {
        const chunk = toBytes(raw)
        sizeBytes += chunk.length
        if (sizeBytes > limits.maxBytes) throw fileTooLarge(limits.maxBytes)
        hash.update(chunk)
        if (type === undefined) {
          headChunks.push(chunk)
          headBytes += chunk.length
          // Refuse a wrong type as soon as enough is known, without waiting for the rest.
          if (headBytes >= SNIFF_BYTES) type = await sniff()
        }
        await writeAll(handle, chunk)
      }
      type ??= await sniff()

      await handle.chmod(FILE_MODE)
      await handle.sync()
      closed = true
      await handle.close()
      const sha256 = hash.digest('hex')
      const alreadyStored = await commit(temporary, pathOf(sha256))
      return { sha256, sizeBytes, mime: type.mime, ext: type.ext, label: type.label, alreadyStored }
    } finally {
      if (!closed) await handle.close().catch(() => {})
      await rm(temporary, { force: true })
    }
  }

  async function remove(sha256: string): Promise<void> {
    const file = pathOf(sha256)
    await rm(file, { force: true })
    // Tidy the two folder levels if now empty; a folder still in use simply stays.
    for (const dir of [dirname(file), dirname(dirname(file))]) {
      try {
        await rmdir(dir)
      } catch {
        break
      }
    }
  }

  async function sweep(maxAgeMs = 24 * 60 * 60 * 1000): Promise<number> {
    let names: string[]
    try {
      names = await readdir(root)
    } catch {
      return 0
    }
    let removed = 0
    for (const name of names.filter((n) => n.startsWith(TEMP_PREFIX))) {
      const file = join(root, name)
      try {
        if (Date.now() - (await stat(file)).mtimeMs < maxAgeMs) continue
        await rm(file, { force: true })
        removed++
      } catch {
        // Gone meanwhile.
      }
    }
    return removed
  }

  return {
    root,
    put,
    path: pathOf,
    exists: async (sha256) => SHA256.test(sha256) && (await exists(pathOf(sha256))),
    open: (sha256) => createReadStream(pathOf(sha256)),
    remove,
    sweep,
  }
}
