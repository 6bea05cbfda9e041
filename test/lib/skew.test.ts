import t from 'tap'
import { estimateSkew, type Grey } from '../../server/lib/skew.ts'

/** Lines of "words" (dark dashes) on white paper, turned by `degrees` (clockwise, y down). */
function page(degrees: number, options: { band?: boolean; lines?: number } = {}): Grey {
  const width = 900
  const height = 1200
  const data = new Uint8Array(width * height).fill(235)
  const r = (degrees * Math.PI) / 180
  const [cx, cy] = [width / 2, height / 2]
  for (let line = 0; line < (options.lines ?? 25); line++) {
    for (let x = 120; x < 780; x++) {
      if ((x % 90) > 70) continue // gaps between words
      for (let dy = 0; dy < 14; dy++) {
        const y = 200 + line * 32 + dy
        const px = Math.round(cx + (x - cx) * Math.cos(r) - (y - cy) * Math.sin(r))
        const py = Math.round(cy + (x - cx) * Math.sin(r) + (y - cy) * Math.cos(r))
        if (px >= 0 && py >= 0 && px < width && py < height) data[py * width + px] = 20
      }
    }
  }
  // A dark table edge across the bottom, at another angle: it must not decide the skew.
  if (options.band) for (let y = 1050; y < height; y++) for (let x = 0; x < width; x++) if (y > 1050 + x * 0.1) data[y * width + x] = 60
  return { data, width, height }
}

t.test('the skew of text lines is found within a few tenths of a degree, either way', async (t) => {
  for (const degrees of [-7, -3.5, -0.8, 0, 1.2, 4, 6.9]) {
    const found = estimateSkew(page(degrees))
    t.ok(Math.abs(found - degrees) <= 0.3, `${degrees}° found as ${found}°`)
  }
})

t.test('a large dark area does not outvote the text', async (t) => {
  const found = estimateSkew(page(3, { band: true }))
  t.ok(Math.abs(found - 3) <= 0.3, `3° found as ${found}° beside a dark band at 5.7°`)
})

t.test('the straight edge of the table under a photographed page does not outvote tilted text', async (t) => {
  // A pass or two on the page, whose lower edge runs level across the whole image while the
  // print is turned by 4°: counted like ink, that one edge made the sharpest row at 0°.
  const image = page(4, { lines: 2 })
  for (let y = 1100; y < image.height; y++) for (let x = 0; x < image.width; x++) image.data[y * image.width + x] = 70
  const found = estimateSkew(image)
  t.ok(Math.abs(found - 4) <= 0.3, `4° found as ${found}° above a level table edge`)
})

t.test('a blank page has no skew', async (t) => {
  t.equal(estimateSkew({ data: new Uint8Array(500 * 500).fill(250), width: 500, height: 500 }), 0)
})
