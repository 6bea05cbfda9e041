// What the claim templates can print: every value already formatted in French (amounts, dates,
// SIRET), every optional value present as '' or false, since the templates run in strict mode.
import { formatFrenchDate, parisDateOf } from '../../lib/calendar.ts'
import { formatSiren, formatSiret } from '../../lib/identifiers.ts'
import { formatEuros, sumCents } from '../../lib/money.ts'
import type { ClaimDocumentData, ClaimPassLine } from './claim-pdf.ts'

/** " :: " splits a template line into label and value: a user's text must not do so by chance. */
function inert(text: string): string {
  return text.replace(/ ::(?= )/gu, ' :')
}

/** A single-line value: newlines and runs of spaces from a form field become one space. */
export function oneLine(value: string | null | undefined): string {
  return inert((value ?? '').replace(/\s+/gu, ' ').trim())
}

/** A multi-line value (a reason, a statement): line breaks kept, other spaces tidied. */
function paragraphs(value: string | null | undefined): string {
  return inert((value ?? '').split(/\r\n?|\n/u).map((line) => line.replace(/\s+/gu, ' ').trim()).join('\n').trim())
}

const parisTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

function parisClock(instant: Date): string {
  const parts = parisTime.formatToParts(instant)
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '00'
  return `${part('hour')} h ${part('minute')}`
}

function thousands(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/gu, '\u00A0')
}

export interface PassSplit {
  /** Pre-opening passes (used before the judgment, or on an unknown date): declared. */
  readonly before: readonly ClaimPassLine[]
  /** Used on or after the judgment date: shown apart, not declared. */
  readonly after: readonly ClaimPassLine[]
}

export function splitPasses(lines: readonly ClaimPassLine[]): PassSplit {
  const before: ClaimPassLine[] = []
  const after: ClaimPassLine[] = []
  for (const line of lines) (line.afterJudgment === true ? after : before).push(line)
  return { before, after }
}

export interface AnnexNumbers {
  readonly passesBefore: number
  readonly passesAfter: number
  readonly other: number
  readonly evidence: number
}

export function annexNumbers(split: PassSplit, otherCount: number): AnnexNumbers {
  let next = 1
  const passesBefore = next++
  const passesAfter = split.after.length > 0 ? next++ : 0
  const other = otherCount > 0 ? next++ : 0
  return { passesBefore, passesAfter, other, evidence: next }
}

export type ClaimView = ReturnType<typeof buildClaimView>

export function buildClaimView(data: ClaimDocumentData, split: PassSplit, annexes: AnnexNumbers) {
  const { claim, creditor, debtor, procedure, totals } = data
  const submitted = claim.submittedAt === null ? null : new Date(claim.submittedAt)
  const nature = totals.nature ?? 'chirographaire'
  const beforeCents = sumCents(split.before.map((line) => line.faceValueCents))
  const afterCents = sumCents(split.after.map((line) => line.faceValueCents))
  const otherCents = sumCents(data.otherLines.map((line) => line.amountCents))
  const unknownDates = split.before.filter((line) => line.afterJudgment === null).length
  return {
    claim: {
      number: oneLine(claim.number),
      version: claim.version,
      isInitial: claim.kind === 'initial',
      isCorrection: claim.kind === 'correction',
      isLateSupplement: claim.kind === 'late_supplement',
      isDraft: submitted === null,
      submittedDate: submitted === null ? '' : formatFrenchDate(parisDateOf(submitted), 'long'),
      submittedTime: submitted === null ? '' : parisClock(submitted),
    },
    creditor: {
      name: oneLine(creditor.name),
      siret: formatSiret(creditor.siret),
      address: oneLine(creditor.address),
      commune: oneLine(creditor.commune),
      departement: oneLine(creditor.departement),
      overseas: creditor.overseas,
      email: oneLine(creditor.email),
    },
    debtor: { name: oneLine(debtor.name), siren: formatSiren(debtor.siren), address: oneLine(debtor.address) },
    procedure: {
      court: oneLine(procedure.court),
      judgmentDate: formatFrenchDate(procedure.judgmentDate, 'long'),
      bodaccDate: procedure.bodaccPublicationDate === null ? '' : formatFrenchDate(procedure.bodaccPublicationDate, 'long'),
      liquidatorName: oneLine(procedure.liquidator?.name),
      liquidatorAddress: oneLine(procedure.liquidator?.address),
      deadline: procedure.deadline === null ? '' : formatFrenchDate(procedure.deadline, 'long'),
      late: procedure.late,
    },
    totals: {
      due: formatEuros(totals.dueCents),
      toFallDue: formatEuros(totals.toFallDueCents),
      total: formatEuros(sumCents([totals.dueCents, totals.toFallDueCents])),
      toFallDueDates: totals.toFallDueDates.map((date) => formatFrenchDate(date, 'short')).join(', '),
      hasToFallDueDates: totals.toFallDueDates.length > 0,
      isChirographaire: nature === 'chirographaire',
      isPrivileged: nature === 'privileged',
      isSecured: nature === 'secured',
      securityDescription: oneLine(totals.securityDescription),
      interestNote: paragraphs(totals.interestNote),
    },
    passes: {
      beforeCount: thousands(split.before.length),
      beforeAmount: formatEuros(beforeCents),
      hasBefore: split.before.length > 0,
      afterCount: thousands(split.after.length),
      afterAmount: formatEuros(afterCents),
      hasAfter: split.after.length > 0,
      unknownDateCount: thousands(unknownDates),
      hasUnknownDate: unknownDates > 0,
    },
    other: { count: thousands(data.otherLines.length), amount: formatEuros(otherCents), has: data.otherLines.length > 0 },
    evidence: { count: thousands(data.evidence.length), plural: data.evidence.length > 1, has: data.evidence.length > 0 },
    annexes,
    signer: {
      has: data.signer !== null,
      name: oneLine(data.signer?.name),
      capacity: oneLine(data.signer?.capacity),
      statement: paragraphs(data.signer?.statement),
    },
    relief: { show: procedure.late || data.relief !== null, reason: paragraphs(data.relief?.reason) },
    pendingProceedings: paragraphs(data.pendingProceedings),
  }
}

export { thousands }
