// The skew of a scanned or photographed page, from the top edges of its ink: rotated by the right angle,
// text lines fall into few rows, so the row histogram is peakiest (projection profile). Tesseract
// reads a line tilted by more than a couple of degrees badly; scans come in at up to ±7°.
// Pure: grey pixels in, degrees out, so it is tested without images.

export type Grey = { data: Uint8Array; width: number; height: number }

/**
 * Where ink begins below paper: pixels much darker than the pixel a few rows above. Text gives
 * many (the tops of letters line up along each line); a large dark area (the table around a
 * photographed page, a printed band) only gives its top edge, so it cannot outvote the text.
 */
function darkPoints(image: Grey, maxPoints: number): { xs: Float64Array; ys: Float64Array } {
  const { data, width, height } = image
  const gap = 2
  // A top edge whose dark side is still dark a couple of text lines further down belongs to a large
  // dark area (the table under a photographed page, a printed band). Its one edge spans the page:
  // in a sum of squares it outweighed all the text (bench:ocr: 21 of 57 pages off by over 1°).
  const deep = Math.max(4, Math.round(Math.max(width, height) * 0.02))
  const isDark = (i: number, than: number) => i >= data.length || (data[i] as number) - than < 24
  const isEdge = (i: number) => {
    const here = data[i] as number
    if ((data[i - gap * width] as number) - here <= 48) return false
    return !(isDark(i + (deep >> 1) * width, here) && isDark(i + deep * width, here))
  }
  let count = 0
  for (let i = gap * width; i < data.length; i++) if (isEdge(i)) count++
  // Every n-th point is plenty for a histogram; keeps the cost flat on big pages.
  const step = Math.max(1, Math.ceil(count / maxPoints))
  const n = Math.ceil(count / step)
  const xs = new Float64Array(n)
  const ys = new Float64Array(n)
  let seen = 0
  let k = 0
  for (let y = gap; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!isEdge(y * width + x)) continue
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
