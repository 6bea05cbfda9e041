// From an uploaded file to page images: a scanner's PDF gives its own image per page, a drawn
// page is rendered, EXIF orientation is honoured, a TIFF's pages are pages, bombs are refused
// before decoding. No OCR here: these checks are about pixels.
import t from 'tap'
import sharp from 'sharp'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { DomainError } from '../../server/errors.ts'
import { pageImages } from '../../server/modules/pass-reading/decode.ts'
import { pixelBombPng, textOnlyPdf } from '../helpers/pass-images.ts'

const grey = (width: number, height: number, value = 200) => sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } })

t.test('a scanned PDF page gives its own image, unresampled; a drawn page is rendered', async (t) => {
  const doc = await PDFDocument.create()
  const jpeg = await grey(1237, 1749).jpeg().toBuffer()
  doc.addPage([595.28, 841.89]).drawImage(await doc.embedJpg(jpeg), { x: 0, y: 0, width: 595.28, height: 841.89 })
  const mixed = doc.addPage([595.28, 841.89])
  mixed.drawImage(await doc.embedJpg(jpeg), { x: 50, y: 400, width: 200, height: 280 })
  mixed.drawText('Bordereau', { x: 50, y: 300, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) })
  const pages = await pageImages(Buffer.from(await doc.save()), 'application/pdf')
  t.equal(pages.count, 2)
  const first = await (await pages.page(1)).metadata()
  t.same([first.width, first.height], [1237, 1749], 'the scan’s own pixels')
  const second = await (await pages.page(2)).metadata()
  t.same([second.width, second.height], [2481, 3508], 'a page with text and an image is rendered at 300 dpi')
})

t.test('EXIF orientation is applied: a phone photo taken sideways reads upright', async (t) => {
  const photo = await grey(400, 300).jpeg().withMetadata({ orientation: 6 }).toBuffer()
  const pages = await pageImages(photo, 'image/jpeg')
  const { info } = await (await pages.page(1)).raw().toBuffer({ resolveWithObject: true })
  t.same([info.width, info.height], [300, 400])
})

t.test('each page of a multi-page TIFF is a page', async (t) => {
  const tiff = await sharp([await grey(200, 100).png().toBuffer(), await grey(200, 100, 90).png().toBuffer()], { join: { animated: true } }).tiff().toBuffer()
  const pages = await pageImages(tiff, 'image/tiff')
  t.equal(pages.count, 2)
  const means = await Promise.all([1, 2].map(async (n) => (await (await pages.page(n)).stats()).channels[0]?.mean))
  t.ok((means[0] ?? 0) > (means[1] ?? 0), 'two different pages')
})

t.test('refusals name the problem in French, before anything is decoded', async (t) => {
  const refused = async (bytes: Buffer, mime: string) => {
    try {
      await pageImages(bytes, mime)
    } catch (error) {
      return error instanceof DomainError ? error.message : `not a DomainError: ${String(error)}`
    }
    return 'accepted'
  }
  t.match(await refused(pixelBombPng(), 'image/png'), /Image trop grande/)
  t.match(await refused(await textOnlyPdf(), 'application/pdf'), /aucune image/)
  t.match(await refused(Buffer.from('%PDF-1.7\nnot really'), 'application/pdf'), /PDF illisible|aucune page/)
  t.match(await refused(Buffer.from('a;b\n1;2\n'), 'text/csv'), /ni une image/)
})
