// QR codes and barcodes, read before any OCR: a decoded code is exact. zxing-cpp in WASM; its
// binary is read from node_modules and handed over (wasmBinary), because by default the library
// would fetch it from a CDN — the service reads passes offline.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { endianness } from 'node:os'
import type { Grey } from '../../lib/skew.ts'
import type * as ZXingReader from 'zxing-wasm/reader'

export type DecodedCode = { text: string; format: string; box: { x: number; y: number; width: number; height: number } }

type Reader = typeof ZXingReader
let reader: Promise<Reader> | null = null

export function wasmPath(): string {
  return createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm')
}

async function load(): Promise<Reader> {
  const zxing = await import('zxing-wasm/reader')
  const wasm = readFileSync(wasmPath())
  const wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength)
  await zxing.prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true })
  return zxing
}

const LITTLE_ENDIAN = endianness() === 'LE'
const GREY_TO_RGBA = Uint32Array.from({ length: 256 }, (_, v) => (LITTLE_ENDIAN ? (255 << 24) | (v << 16) | (v << 8) | v : (v << 24) | (v << 16) | (v << 8) | 255) >>> 0)

/** Every code on the page, with where it is (prepared-page pixels). */
export async function readCodes(page: Grey): Promise<DecodedCode[]> {
  reader ??= load()
  const zxing = await reader
  // zxing takes RGBA (ImageData's shape) and turns it back into grey itself. A pixel is written as
  // one 32-bit word, in the machine's byte order: four byte writes a pixel took seconds of every
  // bench:ocr run, on the thread that also prepares the pages.
  const rgba = new Uint8ClampedArray(page.width * page.height * 4)
  const words = new Uint32Array(rgba.buffer)
  for (let i = 0; i < page.data.length; i++) words[i] = GREY_TO_RGBA[page.data[i] as number] as number
  const results = await zxing.readBarcodes(
    { data: rgba, width: page.width, height: page.height, colorSpace: 'srgb' } as ImageData,
    { formats: ['QRCode', 'MicroQRCode', 'DataMatrix', 'Aztec', 'Code128', 'Code39'], tryHarder: true, maxNumberOfSymbols: 32 },
  )
  return results
    .filter((r) => r.isValid && r.text)
    .map((r) => {
      const xs = [r.position.topLeft.x, r.position.topRight.x, r.position.bottomLeft.x, r.position.bottomRight.x]
      const ys = [r.position.topLeft.y, r.position.topRight.y, r.position.bottomLeft.y, r.position.bottomRight.y]
      const x = Math.min(...xs)
      const y = Math.min(...ys)
      return { text: r.text, format: r.format, box: { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y } }
    })
}
