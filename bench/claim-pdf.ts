// npm run bench:claim-pdf — how long renderClaimPdf takes for a claim of 5 000 passes (value),
// against a bare pdf-lib table of the same 5 000 rows (baseline): standard Helvetica, the same rows
// per page and columns, no templates, no embedded font, no annexes. Runs alternate so that both
// series see the same machine load; each figure is the median of ROUNDS runs.
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { formatFrenchDate } from '../server/lib/calendar.ts'
import { formatEuros } from '../server/lib/money.ts'
import { renderClaimPdf } from '../server/modules/documents/claim-pdf.ts'
import type { ClaimPassLine } from '../server/modules/documents/claim-pdf.ts'
import { PASS_COLUMN_WIDTHS, PASS_ROW_HEIGHT, PASS_ROWS_PER_PAGE } from '../server/modules/documents/claim-pass-annex.ts'
import { sampleClaimData } from '../server/modules/documents/sample-claim.ts'

const LINES = Number(process.env.LINES ?? 5000)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

const data = sampleClaimData(LINES)

async function bareTable(lines: readonly ClaimPassLine[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  const font = await doc.embedFont(StandardFonts.Helvetica)
  const bold = await doc.embedFont(StandardFonts.HelveticaBold)
  const headers = ['N°', 'Identifiant', 'Utilisation', 'Scan', 'Commanditaire', 'Valeur']
  const date = (iso: string | null) => (iso === null ? '-' : formatFrenchDate(iso, 'short'))
  for (let start = 0; start < lines.length; start += PASS_ROWS_PER_PAGE) {
    const page = doc.addPage([595.28, 841.89])
    let y = 780
    let x = 48
    PASS_COLUMN_WIDTHS.forEach((width, i) => {
      page.drawText(headers[i] ?? '', { x: x + 3, y, size: 7, font: bold })
      x += width
    })
    for (let i = start; i < Math.min(lines.length, start + PASS_ROWS_PER_PAGE); i++) {
      const line = lines[i] as ClaimPassLine
      y -= PASS_ROW_HEIGHT
      const cells = [String(i + 1), line.identifier, date(line.serviceDate), date(line.scanDate), line.funder ?? '-', formatEuros(line.faceValueCents)]
      x = 48
      cells.forEach((cell, c) => {
        page.drawText(cell, { x: x + 3, y, size: 7.5, font })
        x += PASS_COLUMN_WIDTHS[c] ?? 0
      })
    }
  }
  return doc.save()
}

async function time(fn: () => Promise<Uint8Array>): Promise<{ ms: number; bytes: number }> {
  const started = performance.now()
  const bytes = await fn()
  return { ms: performance.now() - started, bytes: bytes.length }
}

const values: number[] = []
const baselines: number[] = []
for (let round = 1; round <= ROUNDS; round++) {
  const base = await time(() => bareTable(data.passLines))
  const claim = await time(async () => (await renderClaimPdf(data)).pdf)
  baselines.push(base.ms)
  values.push(claim.ms)
  console.log(`round ${round}: renderClaimPdf ${claim.ms.toFixed(0)} ms (${claim.bytes} bytes), bare pdf-lib table ${base.ms.toFixed(0)} ms (${base.bytes} bytes)`)
}
const value = Math.round(median(values))
const baseline = Math.round(median(baselines))
console.log(`${LINES} pass lines, median of ${ROUNDS}: renderClaimPdf ${value} ms, bare pdf-lib table ${baseline} ms`)
console.log(JSON.stringify({ bench: 'claim-pdf', value, unit: 'ms', baseline, ratio: Number((value / baseline).toFixed(2)) }))
