// How a claim reads on a page: amounts in French, dates in words, the countdown and the next step.
import { formatFrenchDate, parisDateOf } from '../../lib/calendar.ts'
import { formatEuros } from '../../lib/money.ts'
import type { ClaimView } from './service.ts'

const KIND_LABELS = { initial: 'initiale', correction: 'rectificative', late_supplement: 'tardive' } as const

export function presentClaim(view: ClaimView) {
  const { deadline, totals, version } = view
  const countdown =
    deadline === null
      ? { tone: 'info', text: 'Date limite : elle sera calculée dès que la date de publication au BODACC sera saisie.' }
      : deadline.status === 'open'
        ? { tone: deadline.daysRemaining <= 14 ? 'warn' : 'info', text: `Date limite de déclaration : ${formatFrenchDate(deadline.deadline)} — ${deadline.daysRemaining === 0 ? 'dernier jour' : `encore ${deadline.daysRemaining} jour(s)`}.` }
        : deadline.status === 'late_relief_possible'
          ? { tone: 'warn', text: `Délai dépassé. Une déclaration tardive reste possible avec une demande de relevé de forclusion jusqu’au ${formatFrenchDate(deadline.deadline)} (encore ${deadline.daysRemaining} jour(s)).` }
          : { tone: 'error', text: `Forclos depuis le ${formatFrenchDate(deadline.deadline)} : la demande de relevé n’est plus recevable (L622-26).` }
  const blocking = view.checklist.filter((i) => !i.ok && i.blocking)
  const nextStep =
    version.status === 'submitted'
      ? 'Votre déclaration est déposée. Vous pouvez télécharger le document et, si besoin, créer une version rectificative.'
      : view.lineCount === 0
        ? 'Ajoutez les pass non remboursés.'
        : blocking.length
          ? blocking[0]?.action ?? ''
          : 'Tout est prêt : relisez et déposez votre déclaration.'
  return {
    number: view.claim.number,
    status: version.status,
    statusLabel: version.status === 'submitted' ? 'déposée' : 'brouillon',
    versionLabel: `version ${version.version}${version.kind === 'correction' ? ' (rectificative)' : version.kind === 'late_supplement' ? ' (tardive)' : ''}`,
    countdown,
    due: formatEuros(totals.dueCents),
    toFallDue: formatEuros(totals.toFallDueCents),
    afterJudgment: formatEuros(totals.afterJudgmentCents),
    passCount: totals.passCount,
    afterJudgmentPassCount: totals.afterJudgmentPassCount,
    lineCount: view.lineCount,
    checklist: view.checklist,
    canSubmit: version.status === 'draft' && blocking.length === 0,
    nextStep,
    versions: view.versions.map((v) => ({
      version: v.version,
      kind: KIND_LABELS[v.kind],
      status: v.status === 'submitted' ? 'déposée' : 'brouillon',
      submittedAt: v.submittedAt ? formatFrenchDate(parisDateOf(v.submittedAt)) : null,
      signer: v.signerName,
      pdf: v.pdfSha256 !== null,
    })),
  }
}
