// What an uploaded file really is, read from its first bytes (DOMAIN.md §6: the sniffed type, not
// the file name, decides). Binary formats are recognised by their magic numbers (file-type); a CSV
// has none, so it is accepted only as plain text with a column delimiter in its first lines.
import { fileTypeFromBuffer, type FileTypeResult } from 'file-type'

export type SniffedType = {
  mime: string
  /** Canonical extension, without the dot. */
  ext: string
  /** French, for people: 'PDF', 'image JPEG', 'tableur Excel (XLSX)', 'fichier CSV'. */
  label: string
}

/** How many first bytes sniffing wants (or the whole file if smaller). file-type needs 4 100; an
 * XLSX is a ZIP whose telling entries may come later, so more is read. */
export const SNIFF_BYTES = 64 * 1024

type Accepted = SniffedType & { withArticle: string }

const PDF: Accepted = { mime: 'application/pdf', ext: 'pdf', label: 'PDF', withArticle: 'un PDF' }
const JPEG: Accepted = { mime: 'image/jpeg', ext: 'jpg', label: 'image JPEG', withArticle: 'une image JPEG' }
const PNG: Accepted = { mime: 'image/png', ext: 'png', label: 'image PNG', withArticle: 'une image PNG' }
const TIFF: Accepted = { mime: 'image/tiff', ext: 'tif', label: 'image TIFF', withArticle: 'une image TIFF' }
const HEIC: Accepted = { mime: 'image/heic', ext: 'heic', label: 'image HEIC', withArticle: 'une image HEIC' }
const XLSX: Accepted = {
  mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ext: 'xlsx',
  label: 'tableur Excel (XLSX)',
  withArticle: 'un tableur Excel (XLSX)',
}
const CSV: Accepted = { mime: 'text/csv', ext: 'csv', label: 'fichier CSV', withArticle: 'un fichier CSV' }

/** The accepted types, for documentation and `accept` attributes. */
export const ACCEPTED_TYPES: readonly SniffedType[] = [PDF, JPEG, PNG, TIFF, HEIC, XLSX, CSV].map(publicType)

export const GENERIC_REFUSAL = 'type de fichier non accepté : seuls PDF, JPEG, PNG, TIFF, HEIC, CSV et XLSX le sont'

/** What a file name claims to be, to say "…, pas un PDF". */
const CLAIMED_BY_EXTENSION: Record<string, Accepted> = {
  pdf: PDF,
  jpg: JPEG,
  jpeg: JPEG,
  jpe: JPEG,
  png: PNG,
  tif: TIFF,
  tiff: TIFF,
  heic: HEIC,
  heif: HEIC,
  xlsx: XLSX,
  csv: CSV,
}

/** file-type's answer → accepted type; anything not listed is refused. */
function acceptedFromFileType(detected: FileTypeResult): Accepted | null {
  switch (detected.mime) {
    case 'application/pdf':
      return PDF
    case 'image/jpeg':
      return JPEG
    case 'image/png':
    case 'image/apng': // an animated PNG is still a PNG file
      return PNG
    case 'image/tiff': // camera raw formats built on TIFF (cr2, nef, dng…) have other types: refused
      return TIFF
    case 'image/heic':
    case 'image/heif':
    case 'image/heic-sequence':
    case 'image/heif-sequence':
      return HEIC
    case XLSX.mime:
      // file-type reads the ZIP's entries; a plain ZIP, a DOCX or an XLSM has another answer.
      return detected.ext === 'xlsx' ? XLSX : null
    default:
      return null
  }
}

function publicType(t: Accepted): SniffedType {
  return { mime: t.mime, ext: t.ext, label: t.label }
}

async function detectBinary(head: Uint8Array): Promise<FileTypeResult | undefined> {
  if (head.length === 0) return undefined
  try {
    return await fileTypeFromBuffer(head)
  } catch {
    // A malformed container (a broken ZIP, say) is as good as unknown.
    return undefined
  }
}

// ---- Text (CSV) ----

const UTF8_BOM = [0xef, 0xbb, 0xbf]
/** Bytes that Windows-1252 leaves undefined. */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d])
// C0 controls except tab, LF, CR; DEL; C1 controls (what stray bytes decode to).
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u

type DecodedText = { text: string; encoding: 'utf-8' | 'windows-1252' | 'utf-16le' }

/**
 * The head as text, or null if it has bytes no text file has. UTF-8 first (a multi-byte sequence
 * cut by the end of the head is fine), then Windows-1252, which is what Excel writes in France.
 * UTF-16LE only with its byte order mark (Excel's "Texte Unicode", which server/lib/spreadsheet.ts
 * reads too).
 */
export function decodeText(head: Uint8Array): DecodedText | null {
  let bytes = head
  let decoded: DecodedText | null = null
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    try {
      const text = new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2), { stream: true })
      decoded = { text, encoding: 'utf-16le' }
    } catch {
      return null
    }
    return CONTROL.test(decoded.text) ? null : decoded
  }
  if (UTF8_BOM.every((b, i) => bytes[i] === b)) bytes = bytes.subarray(3)
  try {
    decoded = { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true }), encoding: 'utf-8' }
  } catch {
    if (bytes.some((b) => CP1252_UNDEFINED.has(b))) return null
    decoded = { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' }
  }
  if (CONTROL.test(decoded.text)) return null
  return decoded
}

const DELIMITERS = [';', '\t', ','] as const
const SAMPLE_LINES = 10

/** The column delimiter of a CSV, judged on its first lines, or null. */
export function csvDelimiter(text: string): string | null {
  let lines = text.split(/\r\n|\n|\r/u)
  // The last line may be cut by the end of the head.
  if (lines.length > 1) lines = lines.slice(0, -1)
  lines = lines.filter((l) => l.trim() !== '').slice(0, SAMPLE_LINES)
  const first = lines[0]
  if (first === undefined) return null
  for (const d of DELIMITERS) {
    if (!first.includes(d)) continue
    // Quoted fields may span lines, so not every line has to carry it; most do.
    const carrying = lines.filter((l) => l.includes(d)).length
    if (carrying * 2 >= lines.length) return d
  }
  return null
}

type TextVerdict = { csv: true } | { csv: false; description: string }

function judgeText(text: string): TextVerdict {
  const start = text.trimStart().slice(0, 200).toLowerCase()
  if (start.startsWith('<!doctype html') || start.startsWith('<html') || /^<(head|body|meta|script)\b/u.test(start)) {
    return { csv: false, description: 'une page HTML' }
  }
  if (start.startsWith('<')) return { csv: false, description: 'un document XML ou HTML' }
  if (start.startsWith('{') || start.startsWith('[')) return { csv: false, description: 'un document JSON' }
  if (start.startsWith('#!')) return { csv: false, description: 'un script (programme)' }
  if (start.startsWith('%!')) return { csv: false, description: 'un document PostScript' }
  if (csvDelimiter(text) === null) {
    return {
      csv: false,
      description: 'un texte sans séparateur de colonnes (ni « ; », ni « , », ni tabulation)',
    }
  }
  return { csv: true }
}

// ---- Verdict ----

type Verdict = { accepted: Accepted } | { accepted: null; description: string | null }

const EXECUTABLES: Record<string, string> = {
  elf: 'un programme exécutable (ELF)',
  exe: 'un programme exécutable (Windows)',
  macho: 'un programme exécutable (macOS)',
  class: 'un programme Java compilé',
  wasm: 'un programme WebAssembly',
  apk: 'une application Android (APK)',
  dex: 'un programme Android',
  jar: 'une archive de programme Java (JAR)',
  msi: 'un installateur Windows (MSI)',
  deb: 'un paquet logiciel (DEB)',
  rpm: 'un paquet logiciel (RPM)',
  lnk: 'un raccourci Windows',
}

const OTHERS: Record<string, string> = {
  zip: 'une archive ZIP',
  rar: 'une archive RAR',
  '7z': 'une archive 7-Zip',
  gz: 'une archive compressée (gzip)',
  bz2: 'une archive compressée (bzip2)',
  xz: 'une archive compressée (xz)',
  zst: 'une archive compressée (zstd)',
  tar: 'une archive TAR',
  cab: 'une archive CAB',
  docx: 'un document Word (DOCX)',
  docm: 'un document Word avec macros (DOCM)',
  xlsm: 'un tableur Excel avec macros (XLSM)',
  xltx: 'un modèle Excel (XLTX)',
  xltm: 'un modèle Excel avec macros (XLTM)',
  pptx: 'une présentation PowerPoint (PPTX)',
  odt: 'un document OpenDocument (ODT)',
  ods: 'un tableur OpenDocument (ODS)',
  odp: 'une présentation OpenDocument (ODP)',
  cfb: 'un ancien document Microsoft Office (.doc, .xls) ou un installateur Windows',
  rtf: 'un document RTF',
  epub: 'un livre électronique (EPUB)',
  gif: 'une image GIF',
  webp: 'une image WebP',
  bmp: 'une image BMP',
  ico: 'une icône',
  avif: 'une image AVIF',
  jxl: 'une image JPEG XL',
  jp2: 'une image JPEG 2000',
  psd: 'une image Photoshop (PSD)',
  cr2: 'une photo brute d’appareil (RAW)',
  cr3: 'une photo brute d’appareil (RAW)',
  nef: 'une photo brute d’appareil (RAW)',
  arw: 'une photo brute d’appareil (RAW)',
  dng: 'une photo brute d’appareil (RAW)',
  orf: 'une photo brute d’appareil (RAW)',
  rw2: 'une photo brute d’appareil (RAW)',
  raf: 'une photo brute d’appareil (RAW)',
  mp4: 'une vidéo',
  mov: 'une vidéo',
  avi: 'une vidéo',
  webm: 'une vidéo',
  mkv: 'une vidéo',
  mp3: 'un fichier audio',
  m4a: 'un fichier audio',
  wav: 'un fichier audio',
  ogg: 'un fichier audio',
  xml: 'un document XML',
  ics: 'un fichier d’agenda (ICS)',
  vtt: 'un fichier de sous-titres (VTT)',
  ps: 'un document PostScript',
  eps: 'un document PostScript',
  sqlite: 'une base de données SQLite',
}

/** Text formats file-type recognises: refused as what they are, never taken for a CSV. */
const TEXT_FORMATS = new Set(['xml', 'rtf', 'ics', 'vtt', 'ps', 'eps'])

async function judge(head: Uint8Array): Promise<Verdict> {
  if (head.length === 0) return { accepted: null, description: 'vide' }
  const detected = await detectBinary(head)
  const text = decodeText(head)
  if (detected) {
    const accepted = acceptedFromFileType(detected)
    if (accepted) return { accepted }
    // Some signatures are two or three printable letters ("MZ", "BM", "GIF"): a file that is clean
    // text throughout is text that happens to start so, not a binary (which has bytes no text has),
    // unless it is one of the text formats file-type knows.
    if (!text || TEXT_FORMATS.has(detected.ext)) {
      return { accepted: null, description: EXECUTABLES[detected.ext] ?? OTHERS[detected.ext] ?? `un fichier ${detected.ext.toUpperCase()}` }
    }
  }
  if (!text) return { accepted: null, description: 'un fichier binaire de type inconnu' }
  const verdict = judgeText(text.text)
  return verdict.csv ? { accepted: CSV } : { accepted: null, description: verdict.description }
}

/** The accepted type of a file from its first bytes (≥ SNIFF_BYTES, or the whole file), or null. */
export async function sniffKind(head: Uint8Array): Promise<SniffedType | null> {
  const verdict = await judge(head)
  return verdict.accepted ? publicType(verdict.accepted) : null
}

function extensionOf(fileName: string | undefined): string | null {
  if (!fileName) return null
  const match = /\.([A-Za-z0-9]{1,8})$/u.exec(fileName.trim())
  return match?.[1]?.toLowerCase() ?? null
}

/**
 * Why a file is refused, in French, in lower case so it can follow "Fichier refusé : ". With the
 * uploaded name, says what the file pretended to be: "ce fichier est un programme exécutable
 * (ELF), pas un PDF". Returns null if the file is in fact accepted.
 */
export async function refusalReason(head: Uint8Array, fileName?: string): Promise<string | null> {
  const verdict = await judge(head)
  if (verdict.accepted) return null
  if (verdict.description === 'vide') return 'ce fichier est vide'
  const ext = extensionOf(fileName)
  const claimed = ext ? CLAIMED_BY_EXTENSION[ext] : undefined
  if (verdict.description && claimed) return `ce fichier est ${verdict.description}, pas ${claimed.withArticle}`
  if (verdict.description) return `ce fichier est ${verdict.description} ; ${GENERIC_REFUSAL}`
  return GENERIC_REFUSAL
}
