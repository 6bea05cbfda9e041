// A scanned PDF, page by page, with mupdf (WASM, loaded on first use). A scanner writes one image
// per page: that image is taken as is (no resampling). A page drawn otherwise (several images,
// text, vector drawings) is rendered at 300 dpi in grey. A PDF holding no image at all is not a
// scan: it is refused with a message, rather than "no pass found".
import sharp from 'sharp'
import type { Image, Matrix } from 'mupdf'
import type { PageImages } from './decode.ts'
import { unreadable } from './decode.ts'

type Limits = { maxPixels: number; maxPages: number; maxPagePoints: number; renderDpi: number }

type Drawn = { images: { image: Image; ctm: Matrix }[]; other: number }

export async function pdfPages(bytes: Buffer, limits: Limits): Promise<PageImages> {
  const mupdf = await import('mupdf')
  let doc: InstanceType<typeof mupdf.Document>
  try {
    doc = mupdf.Document.openDocument(bytes, 'application/pdf')
  } catch {
    throw unreadable('PDF illisible ou abîmé : déposez à nouveau le fichier d’origine.')
  }
  if (doc.needsPassword()) throw unreadable('PDF protégé par un mot de passe : déposez une version sans mot de passe.')
  const count = doc.countPages()
  if (count === 0) throw unreadable('Ce PDF ne contient aucune page.')
  if (count > limits.maxPages) throw unreadable(`Ce PDF compte ${count} pages : ${limits.maxPages} au plus par fichier. Découpez-le.`)

  const drawnOn = (n: number): Drawn => {
    const page = doc.loadPage(n - 1)
    const drawn: Drawn = { images: [], other: 0 }
    const device = new mupdf.Device({
      fillImage: (image: Image, ctm: Matrix) => void drawn.images.push({ image, ctm }),
      fillText: () => void drawn.other++,
      fillPath: () => void drawn.other++,
      strokePath: () => void drawn.other++,
      fillShade: () => void drawn.other++,
      fillImageMask: () => void drawn.other++,
    })
    page.run(device, mupdf.Matrix.identity)
    device.close()
    return drawn
  }

  // A PDF without a single image anywhere is a text document, not a scan of passes.
  let anyImage = false
  for (let n = 1; n <= count && !anyImage; n++) anyImage = drawnOn(n).images.length > 0
  if (!anyImage) throw unreadable('Ce PDF ne contient aucune image : ce n’est pas un scan de pass. Déposez le scan ou la photo des pass.')

  return {
    count,
    page: async (n) => {
      const page = doc.loadPage(n - 1)
      const [x0, y0, x1, y1] = page.getBounds()
      const widthPt = x1 - x0
      const heightPt = y1 - y0
      if (widthPt > limits.maxPagePoints || heightPt > limits.maxPagePoints) {
        throw unreadable(`Page ${n} trop grande (${Math.round(widthPt / 72 * 2.54)} × ${Math.round(heightPt / 72 * 2.54)} cm) : ce n’est pas un scan de pass.`)
      }
      const drawn = drawnOn(n)
      const only = drawn.images.length === 1 && drawn.other === 0 ? drawn.images[0] : undefined
      // Upright, unflipped placement: the image's own pixels are the page (a scanner's output).
      if (only && only.ctm[1] === 0 && only.ctm[2] === 0 && only.ctm[0] > 0 && only.ctm[3] > 0) {
        const w = only.image.getWidth()
        const h = only.image.getHeight()
        if (w * h > limits.maxPixels) throw unreadable(`Image de la page ${n} trop grande (${w} × ${h} pixels).`)
        let pixmap = only.image.toPixmap()
        // PNG holds grey or RGB: a CMYK (or indexed, Lab…) scan is converted first.
        const space = pixmap.getColorSpace()
        if (!space || !(space.isGray() || space.isRGB())) pixmap = pixmap.convertToColorSpace(mupdf.ColorSpace.DeviceRGB)
        return sharp(Buffer.from(pixmap.asPNG()), { limitInputPixels: limits.maxPixels })
      }
      const scale = Math.min(limits.renderDpi / 72, Math.sqrt(limits.maxPixels / Math.max(1, widthPt * heightPt)))
      const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceGray, false, true)
      return sharp(Buffer.from(pixmap.asPNG()), { limitInputPixels: limits.maxPixels })
    },
  }
}
