// The rules of a déclaration de créance that lawyers will question, as pure functions:
// what is due at the judgment date (échu), what falls due later (à échoir), what is shown apart
// (passes used after the judgment), and what must be true before a claim can be submitted.
import type { IsoDate } from './calendar.ts'
import type { DeadlineStatus } from './deadlines.ts'
import { sumCents, type Cents } from './money.ts'

export type RuleLine = {
  kind: 'pass' | 'subscription' | 'invoice'
  amountCents: Cents
  /** Pass: date of use; invoice: invoice date; subscription: null. */
  date: IsoDate | null
  afterJudgment: boolean | null
}

export type ClaimTotals = {
  /** Due at the judgment date: the amount declared (L622-25). */
  dueCents: Cents
  /** Amounts falling due after the judgment date (L622-25), with their dates. */
  toFallDueCents: Cents
  toFallDueDates: IsoDate[]
  /** Passes used after the opening judgment: not a pre-opening claim, shown apart. */
  afterJudgmentCents: Cents
  passCount: number
  afterJudgmentPassCount: number
}

export function claimTotals(lines: readonly RuleLine[], judgmentDate: IsoDate): ClaimTotals {
  const due: Cents[] = []
  const later: Cents[] = []
  const after: Cents[] = []
  const laterDates = new Set<IsoDate>()
  let passCount = 0
  let afterJudgmentPassCount = 0
  for (const line of lines) {
    if (line.kind === 'pass') {
      passCount += 1
      if (line.afterJudgment === true) {
        after.push(line.amountCents)
        afterJudgmentPassCount += 1
      } else due.push(line.amountCents)
    } else if (line.date !== null && line.date > judgmentDate) {
      later.push(line.amountCents)
      laterDates.add(line.date)
    } else due.push(line.amountCents)
  }
  return {
    dueCents: sumCents(due),
    toFallDueCents: sumCents(later),
    toFallDueDates: [...laterDates].sort(),
    afterJudgmentCents: sumCents(after),
    passCount,
    afterJudgmentPassCount,
  }
}

/** Which kinds of evidence support which kinds of line (R622-23: elements proving the claim). */
export const SUPPORTING_EVIDENCE: Record<RuleLine['kind'], readonly string[]> = {
  pass: ['pass_scans', 'platform_export'],
  invoice: ['invoice'],
  subscription: ['invoice', 'bank_statement', 'correspondence'],
}

export type ChecklistItem = {
  code: string
  ok: boolean
  /** A blocking item prevents submission; a warning is shown and recorded. */
  blocking: boolean
  label: string
  /** What to do, in French, when the item is not ok. */
  action: string | null
}

export type ChecklistInput = {
  identityComplete: boolean
  lines: readonly RuleLine[]
  evidenceKinds: readonly string[]
  deadline: DeadlineStatus | null
  overriddenValues: number
}

const LINE_LABELS: Record<RuleLine['kind'], string> = {
  pass: 'les pass déclarés (scans des pass ou export de la plateforme)',
  invoice: 'les factures impayées (les factures)',
  subscription: "l'abonnement impayé (facture, relevé ou courrier)",
}

export function checklist(input: ChecklistInput): ChecklistItem[] {
  const items: ChecklistItem[] = [
    {
      code: 'identity',
      ok: input.identityComplete,
      blocking: true,
      label: 'Identité de la structure complète (SIRET, raison sociale, adresse)',
      action: input.identityComplete ? null : 'Complétez le profil de la structure.',
    },
    {
      code: 'lines',
      ok: input.lines.length > 0,
      blocking: true,
      label: 'Au moins une ligne déclarée',
      action: input.lines.length > 0 ? null : 'Ajoutez des pass : un par un, en collant une liste, ou en important un tableur.',
    },
  ]
  for (const kind of ['pass', 'invoice', 'subscription'] as const) {
    if (!input.lines.some((l) => l.kind === kind)) continue
    const ok = SUPPORTING_EVIDENCE[kind].some((k) => input.evidenceKinds.includes(k))
    items.push({
      code: `evidence_${kind}`,
      ok,
      blocking: true,
      label: `Justificatif pour ${LINE_LABELS[kind]}`,
      action: ok ? null : 'Déposez au moins un justificatif de ce type dans « Pièces ».',
    })
  }
  const d = input.deadline
  items.push({
    code: 'deadline',
    ok: d !== null && d.status === 'open',
    blocking: d === null || d.status === 'foreclosed',
    label:
      d === null
        ? 'Délai de déclaration : date de publication au BODACC non encore connue'
        : d.status === 'open'
          ? `Dans le délai de déclaration (${d.daysRemaining} jour(s) restant(s))`
          : d.status === 'late_relief_possible'
            ? 'Hors délai : la déclaration sera accompagnée d’une demande de relevé de forclusion (L622-26)'
            : 'Forclos : plus de six mois après la publication au BODACC (L622-26)',
    action:
      d === null
        ? "Le dépôt sera possible dès que l'administrateur aura saisi la date de publication au BODACC."
        : d.status === 'late_relief_possible'
          ? 'Expliquez pourquoi la déclaration n’a pu être faite dans le délai : cette raison accompagne la demande de relevé.'
          : d.status === 'foreclosed'
            ? 'La demande de relevé de forclusion n’est plus recevable ; contactez le mandataire judiciaire.'
            : null,
  })
  const after = input.lines.filter((l) => l.kind === 'pass' && l.afterJudgment === true).length
  if (after > 0) {
    items.push({
      code: 'after_judgment',
      ok: false,
      blocking: false,
      label: `${after} pass utilisé(s) après le jugement d’ouverture : ils ne relèvent pas de la créance antérieure et sont présentés à part`,
      action: null,
    })
  }
  if (input.overriddenValues > 0) {
    items.push({
      code: 'overridden_values',
      ok: false,
      blocking: false,
      label: `${input.overriddenValues} pass déclaré(s) à une valeur différente de la valeur faciale, avec motif`,
      action: null,
    })
  }
  return items
}

export const canSubmit = (items: readonly ChecklistItem[]) => items.every((i) => i.ok || !i.blocking)
