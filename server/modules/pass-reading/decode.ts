// From an uploaded file to page images: photos and scans (JPEG, PNG, TIFF with its pages, HEIC)
// and PDFs (each page's own image when the page is one scanned image, else the page rendered).
// Sizes are capped before anything is decoded in full, so a hostile file cannot exhaust memory:
// sharp refuses more than MAX_PIXELS, a PDF page larger than MAX_PDF_PAGE_POINTS is refused.
import sharp, { type Sharp } from 'sharp'
import { DomainError } from '../../errors.ts'

/** 60 megapixels: a 12 000 × 5 000 panorama passes, a 20 000 × 20 000 bomb does not. */
export const MAX_PIXELS = 60_000_000
export const MAX_PAGES = 200
/** A PDF page over 2 m on a side (A0 is 1.19 m) is not a scan of passes. */
export const MAX_PDF_PAGE_POINTS = 5_670
/** Pages that are not a single image are rendered at this resolution (and never above MAX_PIXELS). */
const RENDER_DPI = 300

export type PageImages = {
  count: number
  /** The page as a sharp pipeline, EXIF orientation applied; pages are 1-based. */
  page(n: number): Promise<Sharp>
}

export function unreadable(message: string): DomainError {
  return new DomainError('invalid', 'scan_unreadable', message)
}

const PIXEL_LIMIT = /pixel limit/i

/** sharp's own messages, for people. */
export function explainImageError(error: unknown): DomainError {
  if (error instanceof DomainError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (PIXEL_LIMIT.test(message)) return unreadable(`Image trop grande : ${Math.round(MAX_PIXELS / 1e6)} mégapixels au plus. Numérisez à 300 ppp au plus.`)
  if (/premature end|truncated|corrupt|bad|invalid|unsupported|decode|read error|VipsJpeg|VipsForeign/i.test(message)) {
    return unreadable('Image illisible ou incomplète (fichier tronqué ou abîmé) : déposez à nouveau le fichier d’origine.')
  }
  return unreadable(`Image illisible : ${message.slice(0, 120)}`)
}

const imageOptions = (page?: number) => ({ limitInputPixels: MAX_PIXELS, failOn: 'truncated' as const, ...(page === undefined ? {} : { page }) })

async function rasterImages(bytes: Buffer): Promise<PageImages> {
  let pages = 1
  try {
    const meta = await sharp(bytes, imageOptions()).metadata()
    if ((meta.width ?? 0) * (meta.height ?? 0) > MAX_PIXELS) throw new Error('pixel limit')
    pages = Math.min(meta.pages ?? 1, MAX_PAGES)
  } catch (error) {
    throw explainImageError(error)
  }
  return {
    count: pages,
    page: async (n) => sharp(bytes, imageOptions(pages > 1 ? n - 1 : undefined)).rotate(),
  }
}


/**
 * sharp's prebuilt libvips reads AV1-coded HEIF but not HEVC-coded HEIC, an iPhone's (patents):
 * libheif in WASM does. Its header alone reads fine, so the coding decides, not a first try.
 */
async function heicImages(bytes: Buffer): Promise<PageImages> {
  const coding = await sharp(bytes, imageOptions()).metadata().then((m) => m.compression, () => null)
  if (coding === 'av1') return rasterImages(bytes)
  const { default: decode } = await import('heic-decode')
  let images: Awaited<ReturnType<typeof decode.all>>
  try {
    images = await decode.all({ buffer: bytes })
  } catch {
    throw unreadable('Image HEIC illisible : exportez la photo en JPEG depuis le téléphone et déposez-la.')
  }
  const list = images
  const count = Math.min(list.length, MAX_PAGES)
  if (count === 0) throw unreadable('Image HEIC sans image.')
  return {
    count,
    page: async (n) => {
      const image = list[n - 1] as (typeof list)[number]
      if (image.width * image.height > MAX_PIXELS) throw explainImageError(new Error('pixel limit'))
      const { width, height, data } = await image.decode()
      if (n === count) list.dispose()
      return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width, height, channels: 4 }, limitInputPixels: MAX_PIXELS })
    },
  }
}

export async function pageImages(bytes: Buffer, mime: string): Promise<PageImages> {
  switch (mime) {
    case 'application/pdf':
      return (await import('./decode-pdf.ts')).pdfPages(bytes, { maxPixels: MAX_PIXELS, maxPages: MAX_PAGES, maxPagePoints: MAX_PDF_PAGE_POINTS, renderDpi: RENDER_DPI })
    case 'image/heic':
      return heicImages(bytes)
    case 'image/jpeg':
    case 'image/png':
    case 'image/tiff':
      return rasterImages(bytes)
    default:
      throw new DomainError('unsupported', 'not_a_scan', 'Ce fichier n’est ni une image (JPEG, PNG, TIFF, HEIC) ni un PDF : il ne peut pas être lu.')
  }
}
