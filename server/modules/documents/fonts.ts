// The typefaces of generated documents: DejaVu Sans (regular, bold) and DejaVu Sans Mono for
// hashes and identifiers, from the npm package dejavu-fonts-ttf (Bitstream Vera licence, DejaVu
// changes in the public domain). Embedded and subset in every PDF, so a document renders the same
// in any viewer and can show any French text (œ, ’, «  », €, no-break spaces).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import fontkit from '@pdf-lib/fontkit'
import type { PDFDocument } from 'pdf-lib'
import { FontFace } from './pdf-canvas.ts'
import type { Faces } from './pdf-canvas.ts'

const require = createRequire(import.meta.url)

const FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const

type FaceName = keyof typeof FILES

let fontBytes: Record<FaceName, Uint8Array> | undefined

/** Read once per process: the files are ~1.8 MB together and never change while running. */
function loadFontBytes(): Record<FaceName, Uint8Array> {
  fontBytes ??= {
    regular: readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FILES.regular}`)),
    bold: readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FILES.bold}`)),
    mono: readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${FILES.mono}`)),
  }
  return fontBytes
}

type Fontkit = Parameters<PDFDocument['registerFontkit']>[0]
type ParsedFont = ReturnType<Fontkit['create']>

const parsedFonts = new Map<Uint8Array, ParsedFont>()

/**
 * fontkit parses a font's tables lazily and memoises them on the font object; handing pdf-lib the
 * same parsed font for every document saves that work (≈ 10 ms per face per document). Safe to
 * share: each document builds its own subset, and reading the font is synchronous.
 */
const cachingFontkit: Fontkit = {
  create(buffer, postscriptName) {
    if (postscriptName !== undefined) return fontkit.create(buffer, postscriptName)
    let font = parsedFonts.get(buffer)
    if (font === undefined) {
      font = fontkit.create(buffer)
      parsedFonts.set(buffer, font)
    }
    return font
  },
}

/**
 * Embeds the three faces as subsets. The names are fixed (pdf-lib would add a pseudo-random
 * suffix) so that the same claim always gives the same bytes; the six-letter tags follow the PDF
 * convention for subset fonts.
 */
export async function embedFaces(doc: PDFDocument): Promise<Faces> {
  doc.registerFontkit(cachingFontkit)
  const bytes = loadFontBytes()
  const regular = await doc.embedFont(bytes.regular, { subset: true, customName: 'DJVREG+DejaVuSans' })
  const bold = await doc.embedFont(bytes.bold, { subset: true, customName: 'DJVBLD+DejaVuSans-Bold' })
  const mono = await doc.embedFont(bytes.mono, { subset: true, customName: 'DJVMON+DejaVuSansMono' })
  return { regular: new FontFace('FR', regular), bold: new FontFace('FB', bold), mono: new FontFace('FM', mono) }
}
