// The contestation letter (L622-27, R624-1): what the liquidator discusses in a claim, pass by pass
// with its reason, the amount proposed for admission, the 30-day answer rule and the text of
// L622-27. Words come from claims-templates/letter/, the layout is the claim document's.
import { createHash } from 'node:crypto'
import { PDFDocument } from 'pdf-lib'
import type { IsoDate } from '../../lib/calendar.ts'
import { formatFrenchDate } from '../../lib/calendar.ts'
import { formatEuros, sumCents, type Cents } from '../../lib/money.ts'
import { createTemplateEngine, type TemplateEngine } from '../../templates/render.ts'
import { DocumentFlow, TOP_Y } from './claim-layout.ts'
import { ClaimWords } from './claim-markup.ts'
import { embedFaces } from './fonts.ts'
import { addPagesWithFooters } from './page-footer.ts'

export interface ContestedLine {
  readonly identifier: string
  readonly amountCents: Cents
  readonly decision: 'contest' | 'reject'
  readonly reason: string
  readonly comment: string | null
}

export interface ContestationLetterData {
  readonly letter: { readonly number: string; readonly date: IsoDate }
  readonly debtor: { readonly name: string }
  readonly liquidator: { readonly name: string; readonly address: string } | null
  readonly creditor: { readonly name: string; readonly siret: string; readonly address: string }
  readonly claim: { readonly number: string; readonly version: number; readonly submittedOn: IsoDate | null }
  readonly amounts: {
    readonly declaredCents: Cents
    readonly admitCents: Cents
    readonly rejectedCents: Cents
    readonly referredCents: Cents
    readonly overrideReason: string | null
  }
  readonly contested: readonly ContestedLine[]
  readonly answerUrl: string
}

let defaultEngine: TemplateEngine | undefined

const DECISION_WORDS = { contest: 'contesté', reject: 'proposé au rejet' } as const

export async function renderContestationLetter(data: ContestationLetterData, options: { templates?: TemplateEngine } = {}): Promise<{ pdf: Uint8Array; sha256: string }> {
  const words = new ClaimWords(options.templates ?? (defaultEngine ??= createTemplateEngine()), 'letter')
  const contestedCents = sumCents(data.contested.filter((l) => l.decision === 'contest').map((l) => l.amountCents))
  const view = {
    ...data,
    letter: { ...data.letter, date: formatFrenchDate(data.letter.date) },
    claim: { ...data.claim, submittedOn: data.claim.submittedOn ? formatFrenchDate(data.claim.submittedOn) : 'date inconnue' },
    amounts: {
      declared: formatEuros(data.amounts.declaredCents),
      admit: formatEuros(data.amounts.admitCents),
      contested: formatEuros(contestedCents),
      rejected: formatEuros(data.amounts.rejectedCents),
      hasRejected: data.amounts.rejectedCents > 0,
      referred: formatEuros(data.amounts.referredCents),
      hasReferred: data.amounts.referredCents > 0,
      overrideReason: data.amounts.overrideReason,
    },
    contestedCount: data.contested.length,
  }
  const doc = await PDFDocument.create({ updateMetadata: false })
  const faces = await embedFaces(doc)
  const flow = new DocumentFlow(faces, () => undefined)
  flow.newPage()
  flow.y = TOP_Y + 8
  flow.paragraph(words.line('title', view), { face: faces.bold, size: 18, leading: 24 })
  flow.write(words.lines('header', view))
  flow.space(8)
  flow.write(words.lines('body', view), 'amounts')
  // One bullet per discussed pass: the compiled template is cached, a few thousand lines take well under a second.
  for (const line of data.contested) {
    flow.write(
      words.lines('contested-line', {
        identifier: line.identifier,
        amount: formatEuros(line.amountCents),
        decision: DECISION_WORDS[line.decision],
        reason: line.reason,
        comment: line.comment,
      }),
    )
  }
  flow.space(6)
  flow.write(words.lines('closing', view))

  addPagesWithFooters(doc, flow, faces, (page, pages) => words.lines('footer', { ...view, page, pages })[0])
  const date = new Date(`${data.letter.date}T12:00:00Z`)
  doc.setTitle(words.line('document-title', view), { showInWindowTitleBar: true })
  doc.setLanguage('fr-FR')
  doc.setCreationDate(date)
  doc.setModificationDate(date)
  doc.setProducer('Suivi des créances Pass numérique')
  doc.setCreator('Suivi des créances Pass numérique')
  const pdf = await doc.save()
  return { pdf, sha256: createHash('sha256').update(pdf).digest('hex') }
}
