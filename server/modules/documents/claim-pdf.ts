// The déclaration de créance as a PDF (Code de commerce L622-24, L622-25, R622-23; L622-26 for a
// late claim): every element the law asks for, the itemised pass annex and the bordereau de pièces,
// with the claim's data attached as JSON. Words come from claims-templates/claim/, layout from here.
import { createHash } from 'node:crypto'
import { AFRelationship, PDFDocument } from 'pdf-lib'
import type { PDFRef } from 'pdf-lib'
import type { IsoDate } from '../../lib/calendar.ts'
import type { Cents } from '../../lib/money.ts'
import { sumCents } from '../../lib/money.ts'
import { createTemplateEngine } from '../../templates/render.ts'
import type { TemplateEngine } from '../../templates/render.ts'
import { DocumentFlow, MARGIN_X, CONTENT_WIDTH, PAGE_SIZE, TOP_Y } from './claim-layout.ts'
import { ClaimWords } from './claim-markup.ts'
import type { TextLine } from './claim-markup.ts'
import { drawPassAnnex } from './claim-pass-annex.ts'
import { drawEvidence, drawOtherLines } from './claim-tables.ts'
import { annexNumbers, buildClaimView, splitPasses } from './claim-view.ts'
import { embedFaces } from './fonts.ts'
import { PageCanvas, addPage, cleanText, registerOpacity } from './pdf-canvas.ts'
import type { Faces } from './pdf-canvas.ts'

export type ClaimKind = 'initial' | 'correction' | 'late_supplement'
/** L622-25: the nature of any privilege or security; a structure's claim is chirographaire (unsecured). */
export type ClaimNature = 'chirographaire' | 'privileged' | 'secured'

export interface ClaimPassLine {
  readonly identifier: string
  readonly faceValueCents: Cents
  /** The day the pass was handed over for a workshop. */
  readonly serviceDate: IsoDate | null
  readonly scanDate: IsoDate | null
  /** The commanditaire who bought the pass. */
  readonly funder: string | null
  /** Used on or after the opening judgment: shown apart, not declared. null (date unknown) is declared. */
  readonly afterJudgment: boolean | null
}

export interface ClaimOtherLine {
  readonly kind: 'subscription' | 'invoice'
  readonly label: string
  readonly invoiceNumber: string | null
  readonly date: IsoDate | null
  readonly amountCents: Cents
}

export interface ClaimEvidence {
  readonly fileName: string
  /** What the document is, in French ("Facture", "Photographie de pass", …). */
  readonly kind: string
  readonly sizeBytes: number
  /** Hex SHA-256 of the file as stored. */
  readonly sha256: string
}

export interface ClaimSigner {
  readonly name: string
  readonly capacity: string
  /** The sincerity statement the signer accepted ("Je certifie sincère et véritable…"). */
  readonly statement: string
}

export interface ClaimDocumentData {
  readonly claim: {
    /** Human-readable number, e.g. "APTIC-2024-000123". */
    readonly number: string
    readonly version: number
    readonly kind: ClaimKind
    /** ISO date-time of the submission; null for a draft preview (watermarked). */
    readonly submittedAt: string | null
  }
  readonly creditor: {
    readonly name: string
    readonly siret: string
    readonly address: string
    readonly commune: string
    readonly departement: string
    /** Domiciled outside metropolitan France: two more months to declare (R622-24). */
    readonly overseas: boolean
    readonly email: string
  }
  readonly debtor: { readonly name: string; readonly siren: string; readonly address: string }
  readonly procedure: {
    readonly court: string | null
    readonly judgmentDate: IsoDate
    readonly bodaccPublicationDate: IsoDate | null
    readonly liquidator: { readonly name: string; readonly address: string } | null
    readonly deadline: IsoDate | null
    readonly late: boolean
  }
  readonly totals: {
    /** Échu: due at the judgment date. */
    readonly dueCents: Cents
    /** À échoir, with its due dates. */
    readonly toFallDueCents: Cents
    readonly toFallDueDates: readonly IsoDate[]
    readonly nature?: ClaimNature
    /** Privilege or security and its date (R622-23), when nature is not chirographaire. */
    readonly securityDescription?: string | null
    /** An optional note printed under the L622-28 statement (no interest after the judgment). */
    readonly interestNote?: string | null
  }
  readonly passLines: readonly ClaimPassLine[]
  readonly otherLines: readonly ClaimOtherLine[]
  readonly evidence: readonly ClaimEvidence[]
  readonly signer: ClaimSigner | null
  /** Relevé de forclusion request (L622-26), for a late claim. */
  readonly relief: { readonly reason: string } | null
  /** A lawsuit pending about the claim (R622-23), if any. */
  readonly pendingProceedings?: string | null
}

export class ClaimDocumentError extends Error {
  override name = 'ClaimDocumentError'
  readonly code: 'totals_mismatch'
  constructor(code: 'totals_mismatch', message: string) {
    super(message)
    this.code = code
  }
}

let defaultEngine: TemplateEngine | undefined

/** The declared total must be the sum of the declared lines to the cent (passes after the judgment excluded). */
function checkTotals(data: ClaimDocumentData, declaredLinesCents: Cents): void {
  const declared = sumCents([data.totals.dueCents, data.totals.toFallDueCents])
  if (declared !== declaredLinesCents) {
    throw new ClaimDocumentError('totals_mismatch', `claim ${data.claim.number}: échu + à échoir = ${declared} cents but the declared lines sum to ${declaredLinesCents} cents`)
  }
}

function drawFooters(pages: readonly PageCanvas[], faces: Faces, words: ClaimWords, view: object): PageCanvas[] {
  return pages.map((_, i) => {
    const canvas = new PageCanvas()
    const [line] = words.lines('footer', { ...view, page: i + 1, pages: pages.length })
    canvas.line(MARGIN_X, 46, MARGIN_X + CONTENT_WIDTH, 46, 0.4, 0.6)
    const size = 7.5
    if (line?.kind === 'pair') {
      canvas.text(faces.regular, size, MARGIN_X, 34, cleanText(line.label), 0.3)
      const right = cleanText(line.value)
      canvas.text(faces.regular, size, MARGIN_X + CONTENT_WIDTH - faces.regular.width(right, size), 34, right, 0.3)
    } else if (line?.kind === 'paragraph') {
      canvas.text(faces.regular, size, MARGIN_X, 34, cleanText(line.text), 0.3)
    }
    return canvas
  })
}

/** From page 2 on: "left :: right" from page-header.hbs, above a thin rule. */
function drawRunningHeader(page: PageCanvas, faces: Faces, line: TextLine | undefined): void {
  if (line === undefined || line.kind === 'gap') return
  const [left, right] = line.kind === 'pair' ? [line.label, line.value] : [line.text, '']
  const y = PAGE_SIZE[1] - 32
  const size = 7.5
  page.text(faces.regular, size, MARGIN_X, y, cleanText(left), 0.4)
  page.text(faces.regular, size, MARGIN_X + CONTENT_WIDTH - faces.regular.width(cleanText(right), size), y, cleanText(right), 0.4)
  page.line(MARGIN_X, y - 5, MARGIN_X + CONTENT_WIDTH, y - 5, 0.4, 0.75)
}

const WATERMARK_STATE = 'GSwm'

/** Drawn over the content, translucent, so that no table background hides it. */
function watermark(faces: Faces, text: string): PageCanvas {
  const canvas = new PageCanvas()
  const size = 46
  const clean = cleanText(text)
  const width = faces.bold.width(clean, size)
  const angle = 55
  const rad = (angle * Math.PI) / 180
  const [cx, cy] = [PAGE_SIZE[0] / 2, PAGE_SIZE[1] / 2]
  // Centre the run on the page: start half its length back along the slope, half a cap height down.
  const x = cx - (width / 2) * Math.cos(rad) + (size * 0.35) * Math.sin(rad)
  const y = cy - (width / 2) * Math.sin(rad) - (size * 0.35) * Math.cos(rad)
  canvas.rotatedText(faces.bold, size, x, y, angle, clean, 0.5, WATERMARK_STATE)
  return canvas
}

export async function renderClaimPdf(
  data: ClaimDocumentData,
  options: { templates?: TemplateEngine } = {},
): Promise<{ pdf: Uint8Array; sha256: string }> {
  const words = new ClaimWords(options.templates ?? (defaultEngine ??= createTemplateEngine()))
  const split = splitPasses(data.passLines)
  const annexes = annexNumbers(split, data.otherLines.length)
  const view = buildClaimView(data, split, annexes)
  checkTotals(data, sumCents([...split.before.map((line) => line.faceValueCents), ...data.otherLines.map((line) => line.amountCents)]))

  const doc = await PDFDocument.create({ updateMetadata: false })
  const faces = await embedFaces(doc)
  const runningHeader = words.lines('page-header', view)[0]
  const flow = new DocumentFlow(faces, (page, index) => {
    if (index > 0) drawRunningHeader(page, faces, runningHeader)
  })

  // The declaration itself.
  flow.newPage()
  flow.y = TOP_Y + 8
  flow.paragraph(words.line('title', view), { face: faces.bold, size: 20, leading: 26 })
  flow.write(words.lines('header', view))
  flow.space(6)
  flow.write(words.lines('addressee', view))
  flow.write(words.lines('creditor', view))
  flow.write(words.lines('debtor', view))
  flow.write(words.lines('amounts', view), 'amounts')
  flow.write(words.lines('interest', view))
  flow.write(words.lines('composition', view))
  if (view.relief.show) flow.write(words.lines('relief', view))
  flow.write(words.lines('signature', view))

  // Annexes, each from a new page.
  drawPassAnnex(flow, words, { template: 'annex-passes-before', view, lines: split.before })
  if (split.after.length > 0) drawPassAnnex(flow, words, { template: 'annex-passes-after', view, lines: split.after })
  if (data.otherLines.length > 0) drawOtherLines(flow, words, view, data.otherLines)
  drawEvidence(flow, words, view, data.evidence)

  const footers = drawFooters(flow.pages, faces, words, view)
  const mark = view.claim.isDraft ? watermark(faces, words.line('watermark', view)) : null
  const states: Record<string, PDFRef> = mark === null ? {} : { [WATERMARK_STATE]: registerOpacity(doc, 0.3) }
  flow.pages.forEach((page, i) => addPage(doc, PAGE_SIZE, faces, page.finish(footers[i] ?? null, mark), states))

  // Metadata and the structured data, with dates from the submission so that the bytes are stable.
  const submitted = data.claim.submittedAt === null ? null : new Date(data.claim.submittedAt)
  doc.setTitle(words.line('document-title', view), { showInWindowTitleBar: true })
  doc.setAuthor(view.creditor.name)
  doc.setSubject(words.line('document-subject', view))
  doc.setKeywords(words.list('document-keywords', view))
  doc.setLanguage('fr-FR')
  doc.setCreator(words.line('document-creator', view))
  doc.setProducer(words.line('document-creator', view))
  if (submitted !== null) {
    doc.setCreationDate(submitted)
    doc.setModificationDate(submitted)
  }
  await doc.attach(new TextEncoder().encode(`${JSON.stringify(data, null, 2)}\n`), 'declaration.json', {
    mimeType: 'application/json',
    afRelationship: AFRelationship.Data,
    description: words.line('attachment-description', view),
    ...(submitted === null ? {} : { creationDate: submitted, modificationDate: submitted }),
  })
  const pdf = await doc.save()
  return { pdf, sha256: createHash('sha256').update(pdf).digest('hex') }
}
