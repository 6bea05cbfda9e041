// Small pass images for the reading tests: a clean page from the fixture generator, and the
// garbage a structure may upload by mistake (truncated, text-only PDF, pixel bomb, noise).
import { deflateSync, crc32 } from 'node:zlib'
import sharp from 'sharp'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { rngFor } from '../../fixtures/national/random.ts'
import { fixtureLedger, PASS_PATTERN } from '../../fixtures/pass-images/generate.ts'
import { pageSpec, renderPage, type PageTruth } from '../../fixtures/pass-images/page.ts'

export const PASS_RULE = { identifierPattern: PASS_PATTERN, identifierExample: 'PN19A0000001' }

/** A scan of `passes` passes at 200 dpi, mildly skewed; `qr` puts a QR code on every pass. */
export async function passScan(seed: number, passes: number, options: { qr?: boolean; rotation?: number } = {}): Promise<{ jpeg: Buffer; truth: PageTruth[] }> {
  const ledger = fixtureLedger(seed, { series: 2, perSeries: 1000 })
  const rng = rngFor(seed, 'test-scan')
  const spec = { ...pageSpec(rng, ledger.draw, { passes, qrShare: options.qr ? 1 : 0 }), dpi: 200, rotation: options.rotation ?? 1.5, perspective: 0, blur: 0.4, noise: 3, shade: 0.05, quality: 85 }
  const page = await renderPage(spec, rngFor(seed, 'test-render'))
  return { jpeg: page.jpeg, truth: page.truth }
}

export async function truncatedJpeg(): Promise<Buffer> {
  const { jpeg } = await passScan(99, 1)
  return jpeg.subarray(0, Math.floor(jpeg.length * 0.6))
}

export async function textOnlyPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  doc.addPage().drawText('Liste des pass : PN19A0000001', { x: 50, y: 700, size: 14, font })
  return Buffer.from(await doc.save())
}

/** A PNG whose header says 20 000 × 20 000 pixels (400 MP): refused before it is decoded. */
export function pixelBombPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(20_000, 0)
  ihdr.writeUInt32BE(20_000, 4)
  ihdr.set([8, 0, 0, 0, 0], 8) // 8-bit grey
  const rows = Buffer.alloc(20 * 20_001) // 20 white rows, then the data ends
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows.fill(255))), chunk('IEND', Buffer.alloc(0))])
}

export async function noiseJpeg(): Promise<Buffer> {
  const rng = rngFor(5, 'noise')
  const width = 1200
  const height = 1600
  const data = Buffer.alloc(width * height)
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.next() * 256)
  return sharp(data, { raw: { width, height, channels: 1 } }).jpeg({ quality: 90 }).toBuffer()
}
