// The bundle: one ZIP streamed to a file under var/bundles/ by a job — every submitted version's
// claim PDF, the contestation letters, the evidence files (as uploaded), the list of declared
// claims and the état des créances in CSV, XLSX and PDF, and a manifest (JSON and CSV) giving each
// file's path, size and SHA-256. Stored files are read from the content-addressed store one at a
// time; their fingerprint is their address, so the manifest costs no second read.
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import type { EntityManager } from '@mikro-orm/postgresql'
import { ZipArchive } from 'archiver'
import { stringify } from 'csv-stringify/sync'
import { todayInParis } from '../../lib/calendar.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { claimsList } from '../review/claims-list.ts'
import { renderStatement, STATEMENT_FILES, type StatementFormat, type StatementKind } from './documents.ts'

export interface ManifestEntry {
  readonly path: string
  readonly bytes: number
  readonly sha256: string
  readonly what: string
}

interface StoredEntry extends ManifestEntry {
  readonly stored: string
}

/** Folder names safe in any ZIP tool: the claim number and the creditor, without separators. */
const folder = (number: string, creditor: string) => `${number}-${creditor.normalize('NFD').replace(/[^\w -]+/gu, '').trim().replace(/\s+/gu, '-').slice(0, 40)}`
const safeName = (name: string) => name.replace(/[/\\:*?"<>|\u0000-\u001f]+/gu, '_').slice(0, 120) || 'piece'

/** What the bundle holds from the store, in a stable order (claims by number). */
export async function storedEntries(em: EntityManager, procedureId: string, claimIds: readonly string[] | null): Promise<StoredEntry[]> {
  const scope = claimIds === null ? '' : `and c."id" = any(?::uuid[])`
  const params = claimIds === null ? [procedureId] : [procedureId, `{${claimIds.join(',')}}`]
  const rows = await em.execute<{ number: string; creditor: string; kind: string; name: string; sha256: string; bytes: string | null }[]>(
    `select * from (
       select c."number", s."name" as "creditor", 'claim' as "kind", 'declaration-v' || v."version" || '.pdf' as "name", v."pdf_sha256" as "sha256", null::bigint as "bytes"
       from "claim" c join "structure" s on s."id" = c."structure_id" join "claim_version" v on v."claim_id" = c."id"
       where c."procedure_id" = ? ${scope} and v."status" = 'submitted' and v."pdf_sha256" is not null
       union all
       select c."number", s."name", 'letter', 'contestation-' || l."number" || '.pdf', l."pdf_sha256", null
       from "claim" c join "structure" s on s."id" = c."structure_id" join "contestation_letter" l on l."claim_id" = c."id"
       -- Every letter sent (each started a clock), and the one in force; a draft withdrawn unsent is not the court's business.
       where c."procedure_id" = ? ${scope} and (l."sent_on" is not null or l."superseded_at" is null)
       union all
       select c."number", s."name", 'evidence', e."original_name", e."sha256", e."size_bytes"
       from "claim" c join "structure" s on s."id" = c."structure_id" join "evidence" e on e."claim_id" = c."id" and e."removed_at" is null
       where c."procedure_id" = ? ${scope}
     ) x order by "number", "kind", "name"`,
    [...params, ...params, ...params],
  )
  const used = new Set<string>()
  const entries: StoredEntry[] = []
  for (const r of rows) {
    const dir = `${folder(r.number, r.creditor)}/${r.kind === 'evidence' ? 'pieces/' : ''}`
    let path = `${dir}${safeName(r.name)}`
    // Two pieces with the same name in one claim: the second gets its fingerprint's start.
    if (used.has(path)) path = `${dir}${r.sha256.slice(0, 8)}-${safeName(r.name)}`
    if (used.has(path)) continue // the very same file listed twice: once is enough
    used.add(path)
    entries.push({ path, bytes: Number(r.bytes ?? 0), sha256: r.sha256, stored: r.sha256, what: r.kind === 'claim' ? 'déclaration de créance' : r.kind === 'letter' ? 'lettre de contestation' : 'pièce justificative' })
  }
  return entries
}

export interface BundleProgress {
  (done: number, total: number): Promise<void> | void
}

/**
 * Writes the bundle to `target` (through a temporary name, renamed when complete) and returns its
 * size and fingerprint. `claimIds` null: the whole procedure.
 */
export async function writeBundle(
  em: EntityManager,
  files: EvidenceStore,
  input: { procedureId: string; claimIds: readonly string[] | null; target: string; debtor: string; now?: Date },
  progress?: BundleProgress,
): Promise<{ bytes: number; sha256: string; files: number }> {
  const stored = await storedEntries(em, input.procedureId, input.claimIds)
  for (const entry of stored) {
    if (entry.bytes === 0) Object.assign(entry, { bytes: (await stat(files.path(entry.stored))).size })
  }
  const selected = new Set(input.claimIds ?? [])
  const rows = (await claimsList(em, input.procedureId)).filter((r) => input.claimIds === null || selected.has(r.id))
  const date = todayInParis(input.now ?? new Date())
  const total = stored.length + 6 + 2
  await mkdir(join(input.target, '..'), { recursive: true })
  const partial = `${input.target}.part`
  const out = createWriteStream(partial)
  const hash = createHash('sha256')
  let bytes = 0
  const zip = new ZipArchive({ zlib: { level: 6 } })
  zip.on('data', (chunk: Buffer) => {
    hash.update(chunk)
    bytes += chunk.length
  })
  const finished = new Promise<void>((resolve, reject) => {
    out.on('close', resolve)
    out.on('error', reject)
    zip.on('error', reject)
  })
  // Awaited below at every step; this only keeps an early failure from being reported as unhandled.
  finished.catch(() => undefined)
  zip.pipe(out)
  const manifest: ManifestEntry[] = []
  let done = 0
  // One entry at a time: the next file is opened once archiver has written the previous one, so
  // memory holds one stream's buffers whatever the bundle's size. A failure (a stored file
  // missing, a full disk) ends the wait instead of leaving the job hanging.
  const append = async (source: Buffer | NodeJS.ReadableStream, name: string, store: boolean) => {
    const written = new Promise<void>((resolve, reject) => {
      zip.once('entry', () => resolve())
      // archiver does not listen for its sources' errors: unheard, a missing file would crash the process.
      if (!Buffer.isBuffer(source)) source.once('error', reject)
    })
    zip.append(source as Buffer, { name, store })
    await Promise.race([written, finished])
  }
  try {
    // Already-compressed files (PDF, images, XLSX) are stored, not deflated again: faster, same size.
    for (const kind of Object.keys(STATEMENT_FILES) as StatementKind[]) {
      for (const format of ['csv', 'xlsx', 'pdf'] as StatementFormat[]) {
        const file = await renderStatement(kind, format, rows, { debtor: input.debtor, date })
        await append(file.bytes, file.fileName, format !== 'csv')
        manifest.push({ path: file.fileName, bytes: file.bytes.length, sha256: file.sha256, what: STATEMENT_FILES[kind].title })
        await progress?.(++done, total)
      }
    }
    for (const entry of stored) {
      await append(files.open(entry.stored), entry.path, !/\.(csv|txt|json)$/iu.test(entry.path))
      manifest.push({ path: entry.path, bytes: entry.bytes, sha256: entry.sha256, what: entry.what })
      await progress?.(++done, total)
    }
    zip.append(JSON.stringify({ procedure: input.debtor, date, files: manifest }, null, 2), { name: 'manifeste.json' })
    zip.append('\uFEFF' + stringify([['chemin', 'octets', 'sha256', 'contenu'], ...manifest.map((m) => [m.path, m.bytes, m.sha256, m.what])], { delimiter: ';' }), { name: 'manifeste.csv' })
    await zip.finalize()
    await finished
  } catch (error) {
    // No half-written archive left behind under its temporary name.
    zip.abort()
    out.destroy()
    await rm(partial, { force: true })
    throw error
  }
  await rename(partial, input.target)
  await progress?.(total, total)
  return { bytes, sha256: hash.digest('hex'), files: manifest.length + 2 }
}
