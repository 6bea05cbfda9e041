// The déclaration de créance PDF: every element of L622-25 / R622-23 readable as text, the late
// claim's relief request (L622-26), the itemised annex, the bordereau, the JSON data inside, and
// the same bytes for the same claim.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from 'pdf-lib'
import { formatFrenchDate } from '../../server/lib/calendar.ts'
import { formatSiren, formatSiret } from '../../server/lib/identifiers.ts'
import { formatEuros } from '../../server/lib/money.ts'
import { ClaimDocumentError, renderClaimPdf } from '../../server/modules/documents/claim-pdf.ts'
import type { ClaimDocumentData } from '../../server/modules/documents/claim-pdf.ts'
import { PASS_ROWS_PER_PAGE } from '../../server/modules/documents/claim-pass-annex.ts'
import { sampleClaimData } from '../../server/modules/documents/sample-claim.ts'
import { createTemplateEngine, templatesRoot } from '../../server/templates/render.ts'

const work = mkdtempSync(join(tmpdir(), 'claim-pdf-test-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

/** A late claim: 2 500 passes of which 40 used after the judgment, 3 evidence files, relief requested. */
const lateClaim = sampleClaimData(2500, { afterJudgment: 40, evidence: 3, late: true })
const rendered = await renderClaimPdf(lateClaim)

function tool(name: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' })
  return found.status === 0 ? found.stdout.trim() : null
}
const pdftotext = tool('pdftotext')
const pdfdetach = tool('pdfdetach')
const noPoppler = 'pdftotext/pdfdetach missing: apt-get install -y poppler-utils'
if (pdftotext === null) console.log(`# skipping the text checks: ${noPoppler}`)

/** The PDF's text as pdftotext lays it out (rows read across), every run of spaces (incl. no-break) made one space. */
function pdfText(pdf: Uint8Array, name: string): string {
  const file = join(work, `${name}.pdf`)
  writeFileSync(file, pdf)
  const result = spawnSync(pdftotext ?? 'pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`pdftotext failed: ${result.stderr}`)
  return normalise(result.stdout)
}
const normalise = (text: string) => text.replace(/[\s\u00A0\u202F]+/gu, ' ')

/** Reads an embedded file through the PDF's name tree, with pdf-lib only. */
async function attachment(pdf: Uint8Array, fileName: string): Promise<string | null> {
  const doc = await PDFDocument.load(pdf)
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict)
  const files = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict)
  const list = files?.lookupMaybe(PDFName.of('Names'), PDFArray)
  if (list === undefined) return null
  for (let i = 0; i + 1 < list.size(); i += 2) {
    const spec = list.lookup(i + 1, PDFDict)
    const name = spec.lookup(PDFName.of('UF'))
    if (name === undefined || !('decodeText' in name) || (name as { decodeText(): string }).decodeText() !== fileName) continue
    const stream = spec.lookup(PDFName.of('EF'), PDFDict).lookup(PDFName.of('F'))
    return stream instanceof PDFRawStream ? new TextDecoder().decode(decodePDFRawStream(stream).decode()) : null
  }
  return null
}

t.test('the same claim always gives the same bytes and the returned SHA-256 is theirs', async (t) => {
  // Another document rendered in between (fonts and templates are shared in the process) changes nothing.
  const other = await renderClaimPdf({ ...lateClaim, claim: { ...lateClaim.claim, version: 3 } })
  t.not(other.sha256, rendered.sha256, 'another version is another document')
  const again = await renderClaimPdf(structuredClone(lateClaim))
  t.equal(again.sha256, rendered.sha256)
  t.equal(rendered.sha256, createHash('sha256').update(rendered.pdf).digest('hex'))
  t.ok(Buffer.from(again.pdf).equals(Buffer.from(rendered.pdf)), 'byte for byte')
})

t.test('the claim data travels inside the PDF as declaration.json, equal to the input', async (t) => {
  const json = await attachment(rendered.pdf, 'declaration.json')
  t.ok(json, 'attachment found')
  t.same(JSON.parse(json ?? 'null'), lateClaim)
  const doc = await PDFDocument.load(rendered.pdf, { updateMetadata: false })
  t.equal(doc.getAuthor(), lateClaim.creditor.name)
  t.match(doc.getTitle(), /Déclaration de créance APTIC-2024-000123/)
  t.ok(doc.getSubject())
  t.equal(doc.getCreationDate()?.toISOString(), lateClaim.claim.submittedAt)
  t.same([Math.round(doc.getPage(0).getWidth()), Math.round(doc.getPage(0).getHeight())], [595, 842], 'A4')
})

t.test('pdfdetach lists and extracts the JSON attachment', { skip: pdfdetach === null ? noPoppler : false }, async (t) => {
  const file = join(work, 'detach.pdf')
  writeFileSync(file, rendered.pdf)
  const list = spawnSync(pdfdetach ?? 'pdfdetach', ['-list', file], { encoding: 'utf8' })
  t.match(list.stdout, /1 embedded files?\s+1: declaration\.json/)
  const out = join(work, 'declaration.json')
  spawnSync(pdfdetach ?? 'pdfdetach', ['-save', '1', '-o', out, file])
  t.same(JSON.parse(readFileSync(out, 'utf8')), lateClaim)
})

t.test('L622-25 and R622-23: every required element is in the text', { skip: pdftotext === null ? noPoppler : false }, async (t) => {
  const text = pdfText(rendered.pdf, 'late')
  const has = (needle: string, what: string) => t.ok(text.includes(normalise(needle)), `${what}: « ${needle} »`)
  has('Déclaration de créance', 'title')
  has(lateClaim.creditor.name, 'creditor')
  has(formatSiret(lateClaim.creditor.siret), 'creditor SIRET')
  has(lateClaim.debtor.name, 'debtor')
  has(formatSiren(lateClaim.debtor.siren), 'debtor SIREN')
  has(`Jugement d’ouverture ${formatFrenchDate(lateClaim.procedure.judgmentDate, 'long')}`, 'judgment date')
  has(`Publication au BODACC ${formatFrenchDate('2024-01-28', 'long')}`, 'BODACC date')
  has(lateClaim.procedure.court ?? '', 'court')
  has(lateClaim.procedure.liquidator?.name ?? '', 'liquidator')
  // The amounts table reads label column then value column: check each label and each amount.
  has('Créance échue au jour du jugement d’ouverture', 'échu label')
  has(formatEuros(lateClaim.totals.dueCents), 'amount échu')
  has('Créance à échoir', 'à échoir label')
  has(formatEuros(lateClaim.totals.toFallDueCents), 'amount à échoir')
  has('31/03/2024', 'à échoir due date')
  has('Nature de la créance', 'nature label')
  has('chirographaire', 'nature')
  has(formatEuros(lateClaim.totals.dueCents + lateClaim.totals.toFallDueCents), 'total')
  has('Le jugement d’ouverture a arrêté le cours des intérêts (art. L622-28 du Code de commerce)', 'L622-28 statement')
  for (const item of lateClaim.evidence) {
    t.ok(text.includes(item.sha256), `SHA-256 in full: ${item.sha256}`)
    has(item.kind, 'evidence kind')
  }
  has('Bordereau des pièces justificatives', 'bordereau')
  has(lateClaim.signer?.name ?? '', 'signer')
  has(lateClaim.signer?.capacity ?? '', 'signer capacity')
  has('certifiée sincère', 'sincerity')
  has(lateClaim.signer?.statement ?? '', 'statement')
  has('Demande de relevé de forclusion (art. L622-26)', 'relief section')
  has(lateClaim.relief?.reason ?? '', 'relief reason')
  const pages = Number(/page 1 \/ (\d+)/u.exec(text)?.[1])
  t.ok(pages > 50, `page 1 / N with N = ${pages}`)
  has(`page ${pages} / ${pages}`, 'last page number')
  for (let page = 1; page <= pages; page++) t.ok(text.includes(`page ${page} / ${pages} `) || text.endsWith(`page ${page} / ${pages}`), `page ${page} numbered`)
})

t.test('the pass annex: header on every page, page subtotals, running total; late passes apart', { skip: pdftotext === null ? noPoppler : false }, async (t) => {
  const text = pdfText(rendered.pdf, 'annex')
  const before = lateClaim.passLines.filter((line) => line.afterJudgment !== true)
  const after = lateClaim.passLines.filter((line) => line.afterJudgment === true)
  const count = (needle: string) => text.split(needle).length - 1
  const annexPages = count('Identifiant du pass')
  const expectedPages = Math.ceil(before.length / PASS_ROWS_PER_PAGE) + Math.ceil(after.length / PASS_ROWS_PER_PAGE)
  // The first page of an annex may hold fewer rows (its introduction takes room): at least as many pages.
  t.ok(annexPages >= expectedPages && annexPages <= expectedPages + 2, `column headers on each of the ${annexPages} annex pages`)
  t.equal(count('Sous-total de la page'), annexPages, 'a subtotal on every annex page')
  t.equal(count('Cumul à reporter'), annexPages - 2, 'a running total on every page but the last of each annex')
  const sum = (lines: typeof before) => lines.reduce((total, line) => total + line.faceValueCents, 0)
  t.ok(text.includes(normalise(`Total de l’annexe (2 460 pass) ${formatEuros(sum(before))}`)), 'annex 1 total')
  t.ok(text.includes(normalise(`Total de l’annexe (40 pass) ${formatEuros(sum(after))}`)), 'annex 2 total, apart')
  t.ok(text.includes('Annexe 2 — Pass utilisés après le jugement d’ouverture'), 'after-judgment section')
  t.ok(text.includes('ne sont pas compris dans le montant déclaré'), 'said not to be declared')
  for (const line of [before[0], before[1234], before.at(-1), after[0], after.at(-1)]) {
    t.ok(line !== undefined && text.includes(line.identifier), `pass ${line?.identifier} listed`)
  }
  t.ok(text.includes('Annexe 3 — Autres sommes dues'), 'other lines')
  t.ok(text.includes('AB-2023-0412'), 'invoice number')
})

t.test('a draft preview is watermarked and says it was not filed', { skip: pdftotext === null ? noPoppler : false }, async (t) => {
  const draft = await renderClaimPdf(sampleClaimData(30, { draft: true }))
  const text = pdfText(draft.pdf, 'draft')
  t.ok(text.includes('ce document n’a pas été déposé'), 'draft notice')
  // pdftotext drops diagonal text: look for the translucent, turned watermark in each page's operators.
  const doc = await PDFDocument.load(draft.pdf, { updateMetadata: false })
  for (const [i, page] of doc.getPages().entries()) {
    const contents = page.node.Contents()
    const stream = contents instanceof PDFArray ? contents.lookup(0, PDFRawStream) : contents
    const operators = stream instanceof PDFRawStream ? new TextDecoder().decode(decodePDFRawStream(stream).decode()) : ''
    t.match(operators, /\/GSwm gs 0\.5 g BT \/FB 46 Tf 0\.57 0\.82 -0\.82 0\.57 [\d.]+ [\d.]+ Tm <[0-9A-F]+> Tj ET/u, `watermark on page ${i + 1}`)
  }
  t.notOk(doc.getCreationDate(), 'a draft carries no creation date: it was never issued')
  t.equal((await renderClaimPdf(sampleClaimData(30, { draft: true }))).sha256, draft.sha256, 'a draft is stable too')
})

t.test('the words come from claims-templates/claim/: an edited template changes the document', { skip: pdftotext === null ? noPoppler : false }, async (t) => {
  const root = join(work, 'templates')
  cpSync(templatesRoot, root, { recursive: true })
  writeFileSync(join(root, 'claim/title.hbs'), 'Déclaration de créance — modèle modifié\n')
  writeFileSync(join(root, 'claim/interest.hbs'), '# Intérêts\nAucun intérêt après le {{procedure.judgmentDate}} (L622-28) & c’est « écrit » ici.\n')
  const edited = await renderClaimPdf(sampleClaimData(10), { templates: createTemplateEngine(root) })
  const text = pdfText(edited.pdf, 'edited')
  t.ok(text.includes('Déclaration de créance — modèle modifié'))
  t.ok(text.includes('Aucun intérêt après le 16 janvier 2024 (L622-28) & c’est « écrit » ici.'), 'values and symbols printed as written, not HTML-escaped')
})

t.test('a claim whose total is not the sum of its declared lines is refused', async (t) => {
  const data = sampleClaimData(10)
  const wrong: ClaimDocumentData = { ...data, totals: { ...data.totals, dueCents: data.totals.dueCents + 1 } }
  await t.rejects(renderClaimPdf(wrong), ClaimDocumentError)
})

t.test('a claim with no pass, no other line and no evidence still renders', async (t) => {
  const data = sampleClaimData(0, { evidence: 0 })
  const empty: ClaimDocumentData = { ...data, otherLines: [], totals: { ...data.totals, dueCents: 0, toFallDueCents: 0, toFallDueDates: [] }, signer: null }
  const { pdf } = await renderClaimPdf(empty)
  t.ok(pdf.length > 1000)
  if (pdftotext !== null) {
    const text = pdfText(pdf, 'empty')
    t.ok(text.includes('Aucun pass dans cette annexe.'))
    t.ok(text.includes('Aucune pièce n’est jointe à cette déclaration.'))
    t.ok(text.includes('Déclaration non signée'))
  }
})
