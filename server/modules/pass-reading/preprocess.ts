// Getting a page ready for the readers: grey, contrast stretched, brought to a resolution where
// the printed identifier is tall enough for Tesseract, and straightened. Each step was kept
// because bench:ocr measured a gain on the generated scans and photos (see README, Mesures).
import sharp, { type Sharp } from 'sharp'
import { estimateSkew, type Grey } from '../../lib/skew.ts'

/**
 * Long side in pixels, by level of detail. 'normal' (an A4 at about 150 dpi) read more passes than
 * 'fine' on the generated set (bench:ocr: 195 against 192 of 200) and faster; 'fine' (an A4 at
 * 200 dpi and up) is the second look at a page that seems to hold more passes than were read.
 * Smaller pages are upscaled to the minimum; larger photos (a 48 MP phone) brought down to the
 * maximum: more pixels only slow Tesseract.
 */
export const LONG_SIDE = { normal: { min: 1725, max: 2700 }, fine: { min: 2300, max: 3600 } } as const
/** Below this the skew estimate's own error: rotating would only blur. */
const MIN_SKEW_DEGREES = 0.3
const SKEW_SAMPLE_LONG_SIDE = 1000

export type PreparedPage = Grey & { skew: number; scale: number }

export type PrepareOptions = { deskew?: boolean; resize?: boolean; normalise?: boolean; detail?: keyof typeof LONG_SIDE }

export async function preparePage(image: Sharp, options: PrepareOptions = {}): Promise<PreparedPage> {
  const meta = await image.clone().metadata()
  // .rotate() upstream applied EXIF orientation, which may swap width and height.
  const swapped = (meta.orientation ?? 1) >= 5
  const width = (swapped ? meta.height : meta.width) ?? 0
  const height = (swapped ? meta.width : meta.height) ?? 0
  const long = Math.max(width, height, 1)
  let scale = 1
  const side = LONG_SIDE[options.detail ?? 'normal']
  if (options.resize !== false) {
    if (long < side.min) scale = side.min / long
    else if (long > side.max) scale = side.max / long
  }
  let pipeline = image.grayscale()
  if (options.normalise !== false) pipeline = pipeline.normalise({ lower: 1, upper: 99 })
  if (scale !== 1) pipeline = pipeline.resize({ width: Math.round(width * scale), height: Math.round(height * scale), kernel: scale > 1 ? 'cubic' : 'lanczos3' })
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true })
  let page: Grey = { data: info.channels === 1 ? data : firstChannel(data, info.channels), width: info.width, height: info.height }
  let skew = 0
  if (options.deskew !== false) {
    const factor = SKEW_SAMPLE_LONG_SIDE / Math.max(page.width, page.height)
    const sample = factor < 1
      ? await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } }).resize(Math.round(page.width * factor)).grayscale().raw().toBuffer({ resolveWithObject: true })
      : { data: page.data, info: { width: page.width, height: page.height } }
    skew = estimateSkew({ data: sample.data, width: sample.info.width, height: sample.info.height })
    if (Math.abs(skew) >= MIN_SKEW_DEGREES) {
      const rotated = await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
        .rotate(-skew, { background: { r: 255, g: 255, b: 255 } })
        .grayscale()
        .raw()
        .toBuffer({ resolveWithObject: true })
      page = { data: rotated.info.channels === 1 ? rotated.data : firstChannel(rotated.data, rotated.info.channels), width: rotated.info.width, height: rotated.info.height }
    }
  }
  return { ...page, skew, scale }
}

function firstChannel(data: Buffer, channels: number): Buffer {
  const out = Buffer.alloc(data.length / channels)
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels] as number
  return out
}

/** Binary PGM: what Tesseract (leptonica) reads fastest, no compression to undo. */
export function toPgm(page: Grey): Buffer {
  const header = Buffer.from(`P5\n${page.width} ${page.height}\n255\n`, 'ascii')
  return Buffer.concat([header, page.data])
}

/** A region of the prepared page as a small JPEG, for the person who confirms the reading. */
export async function cropJpeg(page: Grey, box: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
  const left = Math.max(0, Math.floor(box.x))
  const top = Math.max(0, Math.floor(box.y))
  const width = Math.max(1, Math.min(page.width - left, Math.ceil(box.width)))
  const height = Math.max(1, Math.min(page.height - top, Math.ceil(box.height)))
  return sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
    .extract({ left, top, width, height })
    .resize({ width: Math.min(width, 640), withoutEnlargement: true })
    .jpeg({ quality: 70 })
    .toBuffer()
}
