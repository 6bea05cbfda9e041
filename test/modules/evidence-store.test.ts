// Evidence files: sniffed by their bytes, stored once by SHA-256, read-only, nothing left behind
// on any refusal; and the multipart helper that feeds the store from a Fastify route.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { crc32, deflateRawSync, deflateSync } from 'node:zlib'
import multipart from '@fastify/multipart'
import ExcelJS from 'exceljs'
import Fastify from 'fastify'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import t from 'tap'
import { DomainError } from '../../server/errors.ts'
import { refusalReason, sniffKind, SNIFF_BYTES } from '../../server/modules/evidence/sniff.ts'
import {
  createEvidenceStore,
  DEFAULT_MAX_FILE_BYTES,
  formatMegabytes,
  MEBIBYTE,
  type EvidenceStore,
} from '../../server/modules/evidence/store.ts'
import { multipartOptions, receiveEvidence, type UploadLimits } from '../../server/modules/evidence/upload.ts'

// ---------------------------------------------------------------------------------------------
// Real files, made here

async function realPdf(text: string): Promise<Buffer> {
  const doc = await PDFDocument.create()
  const page = doc.addPage([595, 842])
  page.drawText(text, { x: 72, y: 760, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) })
  return Buffer.from(await doc.save())
}

/** A valid one-page PDF written by hand, `padding` spaces in its content stream (for size). */
function paddedPdf(label: string, padding: number): Buffer {
  const content = `BT /F1 18 Tf 72 720 Td (${label}) Tj ET\n${' '.repeat(padding)}`
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]
  let out = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((body, i) => {
    offsets.push(out.length)
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = out.length
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/** A 1×1 RGB PNG (checked to decode in a browser). */
function png(): Buffer {
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0])),
    pngChunk('IDAT', deflateSync(Buffer.from([0, 0x33, 0x66, 0x99]))),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** An 8×8 grey baseline JPEG: one block, DC difference 0, end of block at once (decodes in a browser). */
function jpeg(): Buffer {
  const segment = (marker: number, data: number[]) => [0xff, marker, (data.length + 2) >> 8, (data.length + 2) & 0xff, ...data]
  const oneCode = (tableClass: number) => [tableClass, 1, ...new Array<number>(15).fill(0), 0]
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]), // JFIF
    ...segment(0xdb, [0, ...new Array<number>(64).fill(1)]), // quantisation table
    ...segment(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]), // baseline, 8×8, one component
    ...segment(0xc4, oneCode(0x00)), // DC: category 0 → "0"
    ...segment(0xc4, oneCode(0x10)), // AC: end of block → "0"
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    0x3f, // "0" "0", padded with ones
    0xff, 0xd9,
  ])
}

/** A 1×1 bilevel little-endian TIFF with the baseline tags. */
function tiff(): Buffer {
  // tag, type (3 SHORT, 4 LONG, 5 RATIONAL), value
  const tags: [number, number, number][] = [
    [256, 3, 1], [257, 3, 1], [258, 3, 1], [259, 3, 1], [262, 3, 0], [273, 4, -1],
    [277, 3, 1], [278, 3, 1], [279, 4, 1], [282, 5, -2], [283, 5, -2], [296, 3, 2],
  ]
  const rational = 8 + 2 + tags.length * 12 + 4
  const pixel = rational + 8
  const out = Buffer.alloc(pixel + 1)
  out.write('II', 0, 'latin1')
  out.writeUInt16LE(42, 2)
  out.writeUInt32LE(8, 4)
  out.writeUInt16LE(tags.length, 8)
  tags.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12
    out.writeUInt16LE(tag, at)
    out.writeUInt16LE(type, at + 2)
    out.writeUInt32LE(1, at + 4)
    const v = value === -1 ? pixel : value === -2 ? rational : value
    if (type === 3) out.writeUInt16LE(v, at + 8)
    else out.writeUInt32LE(v, at + 8)
  })
  out.writeUInt32LE(72, rational)
  out.writeUInt32LE(1, rational + 4)
  out[pixel] = 0x80
  return out
}

/** The start of a phone's HEIC photo: its ftyp box, then a box. */
function heic(): Buffer {
  return Buffer.concat([
    Buffer.from([0, 0, 0, 0x18]),
    Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
    Buffer.from([0, 0, 0, 0x10]),
    Buffer.from('meta\0\0\0\0\0\0\0\0', 'latin1'),
  ])
}

/** A ZIP archive with deflated entries, in the order given. */
function zip(entries: [name: string, content: string][]): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, content] of entries) {
    const data = Buffer.from(content, 'utf8')
    const packed = deflateRawSync(data)
    const fileName = Buffer.from(name, 'utf8')
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6)
    local.writeUInt16LE(8, 8)
    local.writeUInt32LE(crc32(data), 14)
    local.writeUInt32LE(packed.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(fileName.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(0x0800, 8)
    central.writeUInt16LE(8, 10)
    central.writeUInt32LE(crc32(data), 16)
    central.writeUInt32LE(packed.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(fileName.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, fileName, packed)
    centrals.push(central, fileName)
    offset += local.length + fileName.length + packed.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const RELS = 'http://schemas.openxmlformats.org/package/2006/relationships'
const OFFICE_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const TYPES = 'http://schemas.openxmlformats.org/package/2006/content-types'
const RELS_TYPE = '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'

async function excelXlsx(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('Passes')
  sheet.addRow(['Identifiant', 'Valeur faciale'])
  sheet.addRow(['PN2019A0001234', 10])
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

/** An XLSX whose [Content_Types].xml comes last, as some producers write it. */
function xlsxContentTypesLast(): Buffer {
  const main = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
  return zip([
    ['_rels/.rels', `${XML}<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${OFFICE_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/workbook.xml', `${XML}<workbook xmlns="${main}" xmlns:r="${OFFICE_RELS}"><sheets><sheet name="A" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/_rels/workbook.xml.rels', `${XML}<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${OFFICE_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`],
    ['xl/worksheets/sheet1.xml', `${XML}<worksheet xmlns="${main}"><sheetData><row r="1"><c r="A1"><v>10</v></c></row></sheetData></worksheet>`],
    ['[Content_Types].xml', `${XML}<Types xmlns="${TYPES}">${RELS_TYPE}<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`],
  ])
}

function docx(): Buffer {
  return zip([
    ['[Content_Types].xml', `${XML}<Types xmlns="${TYPES}">${RELS_TYPE}<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`],
    ['_rels/.rels', `${XML}<Relationships xmlns="${RELS}"><Relationship Id="rId1" Type="${OFFICE_RELS}/officeDocument" Target="word/document.xml"/></Relationships>`],
    ['word/document.xml', `${XML}<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Facture</w:t></w:r></w:p></w:body></w:document>`],
  ])
}

const plainZip = () => zip([['factures/releve.csv', 'date;montant\n2023-03-12;10,00\n'], ['lisez-moi.txt', 'Archive']])
const gif = () => Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64')
/** The first 4 KB of the Node binary running this test: a real ELF executable. */
const elf = () => readFileSync(process.execPath).subarray(0, 4096)

/** A CSV as Excel saves it in France: ';', CRLF, Windows-1252 ('é' 0xE9, '€' 0x80). */
function windows1252Csv(): Buffer {
  const lines = ['Identifiant;Valeur faciale;Commanditaire', 'PN2019A0001234;10,00 €;Département de la Gironde', 'PN2019A0001235;10,00 €;Mairie de Bègles', '']
  const bytes = [...lines.join('\r\n')].map((c) => (c === '€' ? 0x80 : c.charCodeAt(0)))
  return Buffer.from(bytes)
}

// ---------------------------------------------------------------------------------------------
// Helpers

function tempStore(t: { teardown: (fn: () => void) => void }): EvidenceStore {
  const dir = mkdtempSync(join(tmpdir(), 'evidence-test-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return createEvidenceStore(join(dir, 'evidence'))
}

/** Every entry under the store's root, folders and hidden temporary files included. */
function tree(store: EvidenceStore): string[] {
  try {
    return readdirSync(store.root, { recursive: true }).map(String).sort()
  } catch {
    return []
  }
}

function storedFiles(store: EvidenceStore): string[] {
  return tree(store).filter((p) => statSync(join(store.root, p)).isFile())
}

const sha256sum = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0]

/** A stream that fails after its first chunk, as a broken upload does. */
function failingStream(first: Buffer): Readable {
  let sent = false
  return new Readable({
    read() {
      if (!sent) {
        sent = true
        this.push(first)
      } else {
        this.destroy(new Error('connexion coupée'))
      }
    },
  })
}

// ---------------------------------------------------------------------------------------------
// Sniffing

t.test('accepted types are recognised by their bytes', async (t) => {
  const cases: [string, Buffer, string, string, string][] = [
    ['PDF (pdf-lib)', await realPdf('Facture n° 12'), 'application/pdf', 'pdf', 'PDF'],
    ['JPEG', jpeg(), 'image/jpeg', 'jpg', 'image JPEG'],
    ['PNG', png(), 'image/png', 'png', 'image PNG'],
    ['TIFF', tiff(), 'image/tiff', 'tif', 'image TIFF'],
    ['HEIC', heic(), 'image/heic', 'heic', 'image HEIC'],
    ['XLSX (exceljs)', await excelXlsx(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx', 'tableur Excel (XLSX)'],
    ['XLSX, [Content_Types].xml last', xlsxContentTypesLast(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx', 'tableur Excel (XLSX)'],
    ['CSV, Windows-1252, ;', windows1252Csv(), 'text/csv', 'csv', 'fichier CSV'],
    ['CSV, UTF-8 with BOM, ,', Buffer.from('\ufeffdate,montant\n2023-03-12,"10,00"\n'), 'text/csv', 'csv', 'fichier CSV'],
    ['CSV, tab', Buffer.from('date\tmontant\n2023-03-12\t10,00\n'), 'text/csv', 'csv', 'fichier CSV'],
    ['CSV, UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('date\tmontant\r\n2023\t10\r\n', 'utf16le')]), 'text/csv', 'csv', 'fichier CSV'],
  ]
  for (const [name, bytes, mime, ext, label] of cases) {
    t.same(await sniffKind(bytes), { mime, ext, label }, name)
    t.equal(await refusalReason(bytes), null, `${name}: no refusal`)
  }
})

t.test('refused types, and why, in French', async (t) => {
  t.equal(await sniffKind(elf()), null, 'ELF')
  t.equal(await refusalReason(elf(), 'facture.pdf'), 'ce fichier est un programme exécutable (ELF), pas un PDF')
  t.match(await refusalReason(elf()), /^ce fichier est un programme exécutable \(ELF\) ; type de fichier non accepté : seuls PDF, JPEG, PNG, TIFF, HEIC, CSV et XLSX le sont$/)
  const pe = Buffer.alloc(512)
  pe.write('MZ', 0, 'latin1')
  t.equal(await refusalReason(pe, 'scan.jpg'), 'ce fichier est un programme exécutable (Windows), pas une image JPEG')

  t.equal(await sniffKind(plainZip()), null, 'a plain ZIP is not an XLSX')
  t.equal(await refusalReason(plainZip(), 'releve.xlsx'), 'ce fichier est une archive ZIP, pas un tableur Excel (XLSX)')
  t.equal(await sniffKind(docx()), null, 'a DOCX is not an XLSX')
  t.equal(await refusalReason(docx(), 'releve.xlsx'), 'ce fichier est un document Word (DOCX), pas un tableur Excel (XLSX)')
  t.equal(await refusalReason(gif(), 'pass.png'), 'ce fichier est une image GIF, pas une image PNG')

  const html = Buffer.from('<!DOCTYPE html>\n<html lang="fr"><head><title>a;b</title></head></html>\n')
  t.equal(await sniffKind(html), null, 'HTML')
  t.equal(await refusalReason(html, 'export.csv'), 'ce fichier est une page HTML, pas un fichier CSV')
  t.match(await refusalReason(Buffer.from('Madame, Monsieur\nJe vous écris\npour réclamer\n'), 'a.csv'), /texte sans séparateur/, 'prose is not a CSV')
  t.equal(await sniffKind(Buffer.from('date;montant\n2023\u0000;10\n')), null, 'NUL byte in text')
  t.equal(await sniffKind(Buffer.from('date;montant\n\u001b[31m;10\n')), null, 'control byte in text')
  t.equal(await sniffKind(Buffer.from('date;montant\n', 'utf16le')), null, 'UTF-16 without BOM (NUL bytes)')
  t.equal(await sniffKind(Buffer.from('date;montant\n\u0081;1\n', 'latin1')), null, 'byte undefined in Windows-1252')
  t.equal(await refusalReason(Buffer.alloc(0)), 'ce fichier est vide')
  t.equal(
    await refusalReason(Buffer.from([0x00, 0x13, 0x37, 0x42, 0x99, 0x01, 0x02])),
    'ce fichier est un fichier binaire de type inconnu ; type de fichier non accepté : seuls PDF, JPEG, PNG, TIFF, HEIC, CSV et XLSX le sont',
  )
})

t.test('sizes in French', async (t) => {
  t.equal(formatMegabytes(DEFAULT_MAX_FILE_BYTES), '25 Mo')
  t.equal(formatMegabytes(500 * MEBIBYTE), '500 Mo')
  t.equal(formatMegabytes(12.37 * MEBIBYTE), '12,3 Mo')
  t.equal(formatMegabytes(64 * 1024), '64 ko')
  t.equal(formatMegabytes(0), '0 Mo')
})

// ---------------------------------------------------------------------------------------------
// Store

t.test('a stored file: content-addressed path, read-only, same bytes, sha256sum agrees', async (t) => {
  const store = tempStore(t)
  const bytes = await realPdf('Relevé bancaire')
  const stored = await store.put(Readable.from([bytes]), { maxBytes: DEFAULT_MAX_FILE_BYTES, fileName: 'releve.pdf' })
  t.match(stored, { sizeBytes: bytes.length, mime: 'application/pdf', ext: 'pdf', label: 'PDF', alreadyStored: false })
  const path = store.path(stored.sha256)
  t.equal(path, join(store.root, stored.sha256.slice(0, 2), stored.sha256.slice(2, 4), stored.sha256))
  t.equal(sha256sum(path), stored.sha256)
  t.same(readFileSync(path), bytes, 'kept exactly as uploaded')
  t.equal(statSync(path).mode & 0o777, 0o440, 'read-only')
  t.ok(await store.exists(stored.sha256))
  t.equal(await text(store.open(stored.sha256).setEncoding('latin1')), bytes.toString('latin1'))
  t.same(tree(store), [stored.sha256.slice(0, 2), join(stored.sha256.slice(0, 2), stored.sha256.slice(2, 4)), join(stored.sha256.slice(0, 2), stored.sha256.slice(2, 4), stored.sha256)], 'no temporary file left')

  await store.remove(stored.sha256)
  t.notOk(await store.exists(stored.sha256))
  t.same(tree(store), [], 'its empty folders go too')
  await store.remove(stored.sha256) // again: fine
  t.throws(() => store.path('../../etc/passwd'), DomainError, 'not a hash: refused')
  t.notOk(await store.exists('ABC'))
})

t.test('the same file twice is stored once', async (t) => {
  const store = tempStore(t)
  const bytes = await realPdf('Facture')
  // Chunked differently: same content, same address.
  const first = await store.put(Readable.from([bytes]), { maxBytes: DEFAULT_MAX_FILE_BYTES })
  const second = await store.put(Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]), { maxBytes: DEFAULT_MAX_FILE_BYTES })
  t.equal(first.alreadyStored, false)
  t.equal(second.alreadyStored, true)
  t.equal(second.sha256, first.sha256)
  t.same(storedFiles(store), [join(first.sha256.slice(0, 2), first.sha256.slice(2, 4), first.sha256)])
})

t.test('every accepted type goes into the store with its type', async (t) => {
  const store = tempStore(t)
  for (const [bytes, ext] of [[png(), 'png'], [jpeg(), 'jpg'], [await excelXlsx(), 'xlsx'], [windows1252Csv(), 'csv']] as const) {
    const stored = await store.put(Readable.from([bytes]), { maxBytes: DEFAULT_MAX_FILE_BYTES })
    t.equal(stored.ext, ext)
    t.equal(sha256sum(store.path(stored.sha256)), stored.sha256)
  }
  t.equal(storedFiles(store).length, 4)
})

t.test('an executable named .pdf is refused, nothing kept', async (t) => {
  const store = tempStore(t)
  const error = await store.put(Readable.from([elf()]), { maxBytes: DEFAULT_MAX_FILE_BYTES, fileName: 'facture.pdf' }).catch((e: unknown) => e)
  t.ok(error instanceof DomainError)
  t.match(error, {
    kind: 'unsupported',
    code: 'file_type_refused',
    status: 415,
    message: 'Fichier « facture.pdf » refusé : ce fichier est un programme exécutable (ELF), pas un PDF.',
  })
  t.same(tree(store), [])
})

t.test('a ZIP that is not a spreadsheet is refused, nothing kept', async (t) => {
  const store = tempStore(t)
  await t.rejects(store.put(Readable.from([plainZip()]), { maxBytes: DEFAULT_MAX_FILE_BYTES, fileName: 'export.xlsx' }), {
    code: 'file_type_refused',
    message: /archive ZIP, pas un tableur Excel/,
  })
  await t.rejects(store.put(Readable.from([docx()]), { maxBytes: DEFAULT_MAX_FILE_BYTES }), { code: 'file_type_refused' })
  t.same(tree(store), [])
})

t.test('26 MB against the 25 MB limit: refused early, nothing kept', async (t) => {
  const store = tempStore(t)
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  let produced = 0
  async function* upload() {
    const header = Buffer.from('%PDF-1.7\n')
    produced += header.length
    yield header
    while (produced < 26 * MEBIBYTE) {
      produced += chunk.length
      yield chunk
    }
  }
  const error = await store.put(Readable.from(upload()), { maxBytes: DEFAULT_MAX_FILE_BYTES }).catch((e: unknown) => e)
  t.ok(error instanceof DomainError)
  t.match(error, { kind: 'too_large', code: 'file_too_large', status: 413, message: 'Le fichier dépasse la taille maximale de 25 Mo.' })
  t.ok(produced <= DEFAULT_MAX_FILE_BYTES + 2 * chunk.length, 'reading stopped at the limit')
  t.same(tree(store), [], 'the store directory is empty, temporary files included')
})

t.test('a wrong type is refused before the rest of a big file is read', async (t) => {
  const store = tempStore(t)
  let produced = 0
  async function* upload() {
    for (let i = 0; i < 160; i++) {
      const chunk = Buffer.alloc(64 * 1024)
      if (i === 0) elf().copy(chunk)
      produced += chunk.length
      yield chunk
    }
  }
  await t.rejects(store.put(Readable.from(upload()), { maxBytes: DEFAULT_MAX_FILE_BYTES }), { code: 'file_type_refused' })
  t.ok(produced <= SNIFF_BYTES + 64 * 1024, `stopped after ${produced} bytes`)
  t.same(tree(store), [])
})

t.test('a stream that breaks mid-way leaves nothing', async (t) => {
  const store = tempStore(t)
  await t.rejects(store.put(failingStream(paddedPdf('x', 100_000)), { maxBytes: DEFAULT_MAX_FILE_BYTES }), { message: 'connexion coupée' })
  t.same(tree(store), [])
})

t.test('sweep removes stale temporary files only', async (t) => {
  const store = tempStore(t)
  const stored = await store.put(Readable.from([png()]), { maxBytes: 1000 })
  const { writeFileSync } = await import('node:fs')
  writeFileSync(join(store.root, '.part-crashed'), 'x')
  t.equal(await store.sweep(60_000), 0, 'too recent')
  t.equal(await store.sweep(0), 1)
  t.same(storedFiles(store), [join(stored.sha256.slice(0, 2), stored.sha256.slice(2, 4), stored.sha256)])
})

// ---------------------------------------------------------------------------------------------
// Upload through Fastify

async function uploadApp(t: { teardown: (fn: () => Promise<void>) => void }, store: EvidenceStore, limits: UploadLimits) {
  const app = Fastify()
  await app.register(multipart, multipartOptions({ maxFileBytes: limits.maxFileBytes }))
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof DomainError) return reply.status(error.status).send({ code: error.code, message: error.message })
    return reply.status(500).send({ code: 'internal', message: String(error) })
  })
  app.post('/evidence', async (request) => receiveEvidence(request, store, limits))
  t.teardown(() => app.close())
  return app
}

/** A multipart body as a browser's FormData sends it. */
async function form(fields: Record<string, string>, files: [name: string, bytes: Buffer][]) {
  const data = new FormData()
  for (const [k, v] of Object.entries(fields)) data.append(k, v)
  for (const [name, bytes] of files) data.append('file', new Blob([new Uint8Array(bytes)]), name)
  const request = new Request('http://localhost/evidence', { method: 'POST', body: data })
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    headers: { 'content-type': request.headers.get('content-type') ?? '' },
  }
}

const LIMITS: UploadLimits = { maxFileBytes: DEFAULT_MAX_FILE_BYTES, remainingClaimBytes: 500 * MEBIBYTE }

t.test('upload: files and fields of a deposit are received', async (t) => {
  const store = tempStore(t)
  const app = await uploadApp(t, store, LIMITS)
  const pdf = await realPdf('Facture')
  const res = await app.inject({ method: 'POST', url: '/evidence', ...(await form({ kind: 'facture', note: 'Mars 2023' }, [['facture mars.pdf', pdf], ['pass.jpg', jpeg()]])) })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json<{ files: { sha256: string; originalName: string; ext: string; sizeBytes: number; alreadyStored: boolean }[]; fields: Record<string, string> }>()
  t.same(body.fields, { kind: 'facture', note: 'Mars 2023' })
  t.match(body.files, [
    { originalName: 'facture mars.pdf', ext: 'pdf', sizeBytes: pdf.length, alreadyStored: false },
    { originalName: 'pass.jpg', ext: 'jpg', alreadyStored: false },
  ])
  for (const f of body.files) t.equal(sha256sum(store.path(f.sha256)), f.sha256)
  t.equal(storedFiles(store).length, 2)
})

t.test('upload: a refused second file takes the first one away again', async (t) => {
  const store = tempStore(t)
  const app = await uploadApp(t, store, LIMITS)
  const res = await app.inject({ method: 'POST', url: '/evidence', ...(await form({ kind: 'facture' }, [['facture.pdf', await realPdf('A')], ['scan.pdf', elf()]])) })
  t.equal(res.statusCode, 415)
  t.same(res.json(), { code: 'file_type_refused', message: 'Fichier « scan.pdf » refusé : ce fichier est un programme exécutable (ELF), pas un PDF.' })
  t.same(storedFiles(store), [], 'nothing left')
})

t.test('upload: a file stored before this request is not taken away on refusal', async (t) => {
  const store = tempStore(t)
  const app = await uploadApp(t, store, LIMITS)
  const earlier = await realPdf('Déposé avant')
  const before = await store.put(Readable.from([earlier]), { maxBytes: DEFAULT_MAX_FILE_BYTES })
  const res = await app.inject({ method: 'POST', url: '/evidence', ...(await form({}, [['a.pdf', earlier], ['b.pdf', await realPdf('nouveau')], ['c.zip', plainZip()]])) })
  t.equal(res.statusCode, 415)
  t.ok(await store.exists(before.sha256), 'the earlier file stays')
  t.equal(storedFiles(store).length, 1, 'the new one went')
})

t.test('upload: the claim budget', async (t) => {
  const store = tempStore(t)
  const limits: UploadLimits = { maxFileBytes: DEFAULT_MAX_FILE_BYTES, remainingClaimBytes: 1.5 * MEBIBYTE }
  const app = await uploadApp(t, store, limits)
  const one = paddedPdf('premier', MEBIBYTE)
  const two = paddedPdf('second', MEBIBYTE)

  const fits = await app.inject({ method: 'POST', url: '/evidence', ...(await form({}, [['un.pdf', one]])) })
  t.equal(fits.statusCode, 200, 'one file within the budget')
  await store.remove(fits.json<{ files: { sha256: string }[] }>().files[0]?.sha256 ?? '')

  const res = await app.inject({ method: 'POST', url: '/evidence', ...(await form({}, [['un.pdf', one], ['deux.pdf', two]])) })
  t.equal(res.statusCode, 413)
  t.same(res.json(), {
    code: 'claim_quota_exceeded',
    message: 'Ce dépôt dépasserait la limite de 500 Mo par déclaration (reste : 1,5 Mo).',
  })
  t.same(storedFiles(store), [], 'the first file went again')

  const spent = await uploadApp(t, store, { ...limits, remainingClaimBytes: 0 })
  const none = await spent.inject({ method: 'POST', url: '/evidence', ...(await form({}, [['png.png', png()]])) })
  t.equal(none.statusCode, 413)
  t.match(none.json(), { code: 'claim_quota_exceeded', message: /reste : 0 Mo/ })
})

t.test('upload: the per-file limit', async (t) => {
  const store = tempStore(t)
  const app = await uploadApp(t, store, { maxFileBytes: 64 * 1024, remainingClaimBytes: 500 * MEBIBYTE })
  const res = await app.inject({ method: 'POST', url: '/evidence', ...(await form({}, [['petit.png', png()], ['gros.pdf', paddedPdf('gros', 100_000)]])) })
  t.equal(res.statusCode, 413)
  t.same(res.json(), { code: 'file_too_large', message: 'Le fichier dépasse la taille maximale de 64 ko.' })
  t.same(storedFiles(store), [])
})

t.test('upload: no file, wrong content type, too many files', async (t) => {
  const store = tempStore(t)
  const app = await uploadApp(t, store, { ...LIMITS, maxFiles: 2 })
  const empty = await app.inject({ method: 'POST', url: '/evidence', ...(await form({ kind: 'facture' }, [])) })
  t.equal(empty.statusCode, 400)
  t.match(empty.json(), { code: 'file_missing' })

  // An <input type="file"> left empty: a part with an empty name and no bytes.
  const boundary = '----navigateur'
  const untouched = await app.inject({
    method: 'POST',
    url: '/evidence',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload:
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nfacture\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n` +
      `--${boundary}--\r\n`,
  })
  t.equal(untouched.statusCode, 400)
  t.match(untouched.json(), { code: 'file_missing' })

  const json = await app.inject({ method: 'POST', url: '/evidence', payload: { file: 'x' } })
  t.equal(json.statusCode, 415)
  t.match(json.json(), { code: 'multipart_expected' })

  const many = await app.inject({ method: 'POST', url: '/evidence', ...(await form({}, [['a.png', png()], ['b.jpg', jpeg()], ['c.pdf', await realPdf('c')]])) })
  t.equal(many.statusCode, 413)
  t.match(many.json(), { code: 'too_many_files', message: 'Un dépôt compte au plus 2 fichiers.' })
  t.same(storedFiles(store), [])
})

t.test('upload: a body cut short is refused and leaves nothing', async (t) => {
  const store = tempStore(t)
  const app = await uploadApp(t, store, LIMITS)
  const { payload, headers } = await form({}, [['a.pdf', paddedPdf('coupé', 200_000)]])
  const res = await app.inject({ method: 'POST', url: '/evidence', payload: payload.subarray(0, 150_000), headers })
  t.equal(res.statusCode, 400, res.body)
  t.match(res.json(), { code: 'upload_interrupted' })
  t.same(storedFiles(store), [])
  t.same(tree(store).filter((p) => p.startsWith('.part-')), [])
})

t.test('upload: a client that disconnects mid-file leaves nothing', async (t) => {
  const store = tempStore(t)
  const app = Fastify()
  await app.register(multipart, multipartOptions({ maxFileBytes: LIMITS.maxFileBytes }))
  const { promise: outcome, resolve } = Promise.withResolvers<unknown>()
  app.post('/evidence', async (request) => receiveEvidence(request, store, LIMITS).then(resolve, (e: unknown) => {
    resolve(e)
    throw e
  }))
  t.teardown(() => app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')

  const { payload, headers } = await form({}, [['gros.pdf', paddedPdf('coupé', 2 * MEBIBYTE)]])
  const { connect } = await import('node:net')
  const socket = connect(address.port, '127.0.0.1')
  await new Promise((r) => socket.once('connect', r))
  socket.write(
    `POST /evidence HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${headers['content-type']}\r\nContent-Length: ${payload.length}\r\n\r\n`,
  )
  socket.write(payload.subarray(0, MEBIBYTE))
  // Let the server start writing the file, then vanish.
  await new Promise((r) => setTimeout(r, 100))
  socket.destroy()

  const error = await outcome
  t.ok(error instanceof DomainError, String(error))
  t.match(error, { code: 'upload_interrupted' })
  t.same(tree(store), [], 'no temporary file, no stored file')
})
