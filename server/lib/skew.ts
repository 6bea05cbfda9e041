// The skew of a scanned or photographed page, from its dark pixels: rotated by the right angle,
// text lines fall into few rows, so the row histogram is peakiest (projection profile). Tesseract
// reads a line tilted by more than a couple of degrees badly; scans come in at up to ±7°.
// Pure: grey pixels in, degrees out, so it is tested without images.

export type Grey = { data: Uint8Array; width: number; height: number }

/** Dark pixels' coordinates, thresholded against the page's own brightness. */
function darkPoints(image: Grey, maxPoints: number): { xs: Float64Array; ys: Float64Array } {
  const { data, width, height } = image
  let sum = 0
  for (let i = 0; i < data.length; i++) sum += data[i] as number
  const threshold = Math.min(128, (sum / data.length) * 0.6)
  let count = 0
  for (let i = 0; i < data.length; i++) if ((data[i] as number) < threshold) count++
  // Every n-th dark pixel is plenty for a histogram; keeps the cost flat on big pages.
  const step = Math.max(1, Math.ceil(count / maxPoints))
  const n = Math.ceil(count / step)
  const xs = new Float64Array(n)
  const ys = new Float64Array(n)
  let seen = 0
  let k = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if ((data[y * width + x] as number) >= threshold) continue
      if (seen++ % step !== 0 || k >= n) continue
      xs[k] = x - width / 2
      ys[k] = y - height / 2
      k++
    }
  }
  return { xs: xs.subarray(0, k), ys: ys.subarray(0, k) }
}

/** How peaked the row histogram is at this angle: the sum of squared row counts. */
function sharpness(xs: Float64Array, ys: Float64Array, degrees: number, rows: Int32Array, offset: number): number {
  const r = (degrees * Math.PI) / 180
  const s = Math.sin(r)
  const c = Math.cos(r)
  rows.fill(0)
  for (let i = 0; i < xs.length; i++) {
    const row = Math.round((ys[i] as number) * c - (xs[i] as number) * s) + offset
    if (row >= 0 && row < rows.length) rows[row] = (rows[row] as number) + 1
  }
  let score = 0
  for (let i = 0; i < rows.length; i++) score += (rows[i] as number) * (rows[i] as number)
  return score
}

/**
 * The angle in degrees (positive: the content is turned clockwise) within ±maxDegrees, to 0.1°.
 * Rotate the image by minus this to straighten it. 0 when there is too little ink to tell.
 */
export function estimateSkew(image: Grey, options: { maxDegrees?: number; maxPoints?: number } = {}): number {
  const maxDegrees = options.maxDegrees ?? 10
  const { xs, ys } = darkPoints(image, options.maxPoints ?? 60_000)
  if (xs.length < 200) return 0
  const diagonal = Math.ceil(Math.hypot(image.width, image.height))
  const rows = new Int32Array(diagonal + 2)
  const offset = Math.floor(diagonal / 2) + 1
  const best = (from: number, to: number, step: number) => {
    let angle = 0
    let top = -1
    for (let a = from; a <= to + 1e-9; a += step) {
      const score = sharpness(xs, ys, a, rows, offset)
      if (score > top) {
        top = score
        angle = a
      }
    }
    return angle
  }
  const coarse = best(-maxDegrees, maxDegrees, 0.5)
  const fine = best(coarse - 0.5, coarse + 0.5, 0.1)
  return Math.round(fine * 10) / 10
}
