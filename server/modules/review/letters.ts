// Contestation letters (L622-27, R624-1): one per creditor, generated from the claim's proposal
// and its discussed lines; how and when it was sent and received is recorded, and the 30-day
// answer clock runs from receipt (lib/deadlines.ts answerDeadline). Sending it moves the claim to
// "contested" and mails the structure the letter.

import { Readable } from 'node:stream'
import type { EntityManager } from '@mikro-orm/postgresql'
import { DomainError } from '../../errors.ts'
import { formatFrenchDate, isIsoDate, todayInParis, type IsoDate } from '../../lib/calendar.ts'
import { answerDeadline } from '../../lib/deadlines.ts'
import { formatEuros } from '../../lib/money.ts'
import { recordAudit, type Actor } from '../audit/service.ts'
import { renderContestationLetter, type ContestedLine } from '../documents/contestation-letter.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { queueMail, type MailDeps } from '../notifications/service.ts'
import { activeMembers } from '../structures/service.ts'
import { REASONS, type ReasonCode } from './decisions.ts'
import { lockClaimState, moveClaim } from './states.ts'

export const SENT_METHODS = { registered_letter: 'lettre recommandée avec avis de réception', electronic_registered_mail: 'lettre recommandée électronique' } as const
export type SentMethod = keyof typeof SENT_METHODS

export interface LetterRow {
  readonly id: string
  readonly claimId: string
  readonly number: string
  readonly pdfSha256: string
  readonly contestedCents: number
  readonly admitCents: number
  readonly lines: number
  readonly generatedAt: Date
  readonly sentMethod: SentMethod | null
  readonly sentReference: string | null
  readonly sentOn: IsoDate | null
  readonly receivedOn: IsoDate | null
  readonly answerDueOn: IsoDate | null
}

const LETTER_COLUMNS = `"id", "claim_id" as "claimId", "number", "pdf_sha256" as "pdfSha256", "contested_cents" as "contestedCents", "admit_cents" as "admitCents", "lines",
  "generated_at" as "generatedAt", "sent_method" as "sentMethod", "sent_reference" as "sentReference", to_char("sent_on", 'YYYY-MM-DD') as "sentOn",
  to_char("received_on", 'YYYY-MM-DD') as "receivedOn", to_char("answer_due_on", 'YYYY-MM-DD') as "answerDueOn"`

const numeric = (row: LetterRow): LetterRow => ({ ...row, contestedCents: Number(row.contestedCents), admitCents: Number(row.admitCents) })

/** The letter in force for a claim, if any. */
export async function liveLetter(em: EntityManager, claimId: string): Promise<LetterRow | null> {
  const [row] = await em.execute<LetterRow[]>(`select ${LETTER_COLUMNS} from "contestation_letter" where "claim_id" = ? and "superseded_at" is null`, [claimId])
  return row ? numeric(row) : null
}

export async function findLetter(em: EntityManager, letterId: string): Promise<LetterRow | null> {
  const [row] = await em.execute<LetterRow[]>(`select ${LETTER_COLUMNS} from "contestation_letter" where "id" = ?`, [letterId])
  return row ? numeric(row) : null
}

type Source = {
  number: string; version: number; submitted_at: Date | null; creditor: string; siret: string; address: string; commune: string
  debtor_name: string; liquidator_name: string | null; liquidator_address: string | null; structure_id: string
  admit_cents: string | null; reject_cents: string | null; refer_cents: string | null; override_reason: string | null; declared: string
}

/**
 * Generates the claim's letter and keeps it in the file store. A letter not yet sent is replaced
 * by the new one; once one is sent, its clock is running and no new letter replaces it.
 */
export async function generateLetter(
  em: EntityManager,
  deps: { files: EvidenceStore; publicUrl: string },
  claimId: string,
  actor: Actor,
  options: { batchId?: string | null; requestId?: string | null; now?: Date } = {},
): Promise<LetterRow> {
  const now = options.now ?? new Date()
  const state = await lockClaimState(em, claimId)
  if (state !== 'proposal_made') {
    throw new DomainError('conflict', 'letter_needs_proposal', 'La lettre se prépare après la proposition du liquidateur, et avant son envoi.')
  }
  const [source] = await em.execute<Source[]>(
    `select c."number", v."version", v."submitted_at", s."name" as "creditor", s."siret", s."address", s."commune_name" as "commune", s."id" as "structure_id",
            p."debtor_name", p."liquidator_name", p."liquidator_address", cp."admit_cents", cp."reject_cents", cp."refer_cents", cp."override_reason",
            (select coalesce(sum(l."amount_cents"), 0) from "claim_line" l where l."version_id" = v."id") as "declared"
     from "claim" c join "claim_version" v on v."claim_id" = c."id" and v."version" = c."current_version"
     join "structure" s on s."id" = c."structure_id" join "procedure" p on p."id" = c."procedure_id"
     left join "claim_proposal" cp on cp."claim_id" = c."id"
     where c."id" = ?`,
    [claimId],
  )
  if (!source || source.admit_cents === null) throw new DomainError('conflict', 'letter_needs_proposal', 'Faites d’abord la proposition pour cette déclaration.')
  const lines = await em.execute<{ identifier: string | null; label: string | null; amount_cents: string; decision: 'contest' | 'reject'; reason_code: ReasonCode | null; comment: string | null }[]>(
    `select l."identifier", l."label", l."amount_cents", d."decision", d."reason_code", d."comment"
     from "line_decision" d join "claim_line" l on l."id" = d."claim_line_id"
     where d."claim_id" = ? and d."superseded_at" is null and d."decision" in ('contest', 'reject')
       and l."version_id" = (select v."id" from "claim_version" v join "claim" c on c."id" = v."claim_id" and c."current_version" = v."version" where c."id" = ?)
     order by d."decision", d."reason_code", l."identifier"`,
    [claimId, claimId],
  )
  // A sent letter's clock is running (the claim would then be "contested"; checked again here).
  const previous = await liveLetter(em, claimId)
  if (previous?.sentOn) throw new DomainError('conflict', 'letter_already_sent', 'Une lettre est déjà envoyée pour cette déclaration : son délai de réponse court.')
  const declared = Number(source.declared)
  const admit = Number(source.admit_cents)
  if (lines.length === 0 && admit === declared) throw new DomainError('conflict', 'nothing_contested', 'Rien n’est discuté dans cette déclaration : aucune lettre de contestation n’est nécessaire.')
  const contested: ContestedLine[] = lines.map((l) => ({
    identifier: l.identifier ?? l.label ?? '—',
    amountCents: Number(l.amount_cents),
    decision: l.decision,
    reason: l.reason_code ? REASONS[l.reason_code] : 'motif non précisé',
    comment: l.comment,
  }))
  const [{ seq }] = (await em.execute<{ seq: string }[]>(`select nextval('contestation_letter_number_seq') as "seq"`)) as [{ seq: string }]
  const number = `LC-${todayInParis(now).slice(0, 4)}-${seq.padStart(6, '0')}`
  const { pdf, sha256 } = await renderContestationLetter({
    letter: { number, date: todayInParis(now) },
    debtor: { name: source.debtor_name },
    liquidator: source.liquidator_name ? { name: source.liquidator_name, address: source.liquidator_address ?? '' } : null,
    creditor: { name: source.creditor, siret: source.siret, address: `${source.address}, ${source.commune}` },
    claim: { number: source.number, version: source.version, submittedOn: source.submitted_at ? todayInParis(new Date(source.submitted_at)) : null },
    amounts: { declaredCents: declared, admitCents: admit, rejectedCents: Number(source.reject_cents ?? 0), referredCents: Number(source.refer_cents ?? 0), overrideReason: source.override_reason },
    contested,
    answerUrl: `${deps.publicUrl}/structures/${source.structure_id}/declaration/contestation`,
  })
  await deps.files.put(Readable.from([Buffer.from(pdf)]), { maxBytes: 200 * 1024 * 1024 })
  if (previous) await em.execute(`update "contestation_letter" set "superseded_at" = ? where "id" = ?`, [now, previous.id])
  const id = crypto.randomUUID()
  await em.execute(
    `insert into "contestation_letter" ("id", "claim_id", "number", "batch_id", "pdf_sha256", "contested_cents", "admit_cents", "lines", "generated_by", "generated_at")
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [id, claimId, number, options.batchId ?? null, sha256, declared - admit, admit, contested.length, actor.id, now],
  )
  await recordAudit(em, { actor, requestId: options.requestId ?? null, action: 'letter.generated', entityType: 'claim', entityId: claimId, before: previous ? { letter: previous.number } : null, after: { letter: number, sha256, lines: contested.length, admitCents: admit } })
  return (await findLetter(em, id)) as LetterRow
}

export interface SendingInput {
  readonly letterId: string
  readonly method: string
  readonly reference: string
  readonly sentOn: string
}


/** Records how the letter went out; the claim becomes contested and the structure gets the letter by mail. */
export async function recordSending(em: EntityManager, mail: MailDeps, input: SendingInput, actor: Actor, requestId: string | null = null, now = new Date()): Promise<void> {
  const letter = await findLetter(em, input.letterId)
  if (!letter || letter.sentOn) throw new DomainError('conflict', 'letter_not_sendable', 'Cette lettre est introuvable ou déjà envoyée.')
  const method = Object.keys(SENT_METHODS).find((m) => m === input.method) as SentMethod | undefined
  const reference = input.reference.trim().slice(0, 64)
  const today = todayInParis(now)
  const errors = [
    ...(!method ? [{ path: 'method', message: 'choisissez le mode d’envoi' }] : []),
    ...(method && reference.length < 4 ? [{ path: 'reference', message: 'numéro de l’envoi recommandé requis' }] : []),
    ...(!isIsoDate(input.sentOn) || input.sentOn > today ? [{ path: 'sentOn', message: 'date d’envoi passée ou du jour' }] : []),
  ]
  if (errors.length) throw new DomainError('invalid', 'sending_invalid', 'L’envoi est incomplet.', errors)
  await moveClaim(em, { claimId: letter.claimId, to: 'contested', because: `letter ${letter.number} sent` }, actor, requestId)
  await em.execute(`update "contestation_letter" set "sent_method" = ?, "sent_reference" = ?, "sent_on" = ? where "id" = ?`, [method, reference, input.sentOn, letter.id])
  await recordAudit(em, { actor, requestId, action: 'letter.sent', entityType: 'claim', entityId: letter.claimId, after: { letter: letter.number, method, reference, sentOn: input.sentOn } })
  const [claim] = await em.execute<{ number: string; structure_id: string }[]>(`select "number", "structure_id" from "claim" where "id" = ?`, [letter.claimId])
  if (!claim) return
  const data = {
    number: claim.number,
    method: method === 'registered_letter' ? 'par lettre recommandée avec avis de réception' : 'par lettre recommandée électronique',
    reference,
    sentOn: formatFrenchDate(input.sentOn as IsoDate),
    admit: formatEuros(letter.admitCents),
    discussed: formatEuros(letter.contestedCents),
    link: `${mail.publicUrl}/structures/${claim.structure_id}/declaration/contestation`,
  }
  const attachments = [{ filename: `contestation-${letter.number}.pdf`, sha256: letter.pdfSha256, contentType: 'application/pdf' }]
  for (const member of await activeMembers(em, claim.structure_id)) {
    await queueMail(em, mail, { to: member.email, template: 'contestation-letter', data, attachments })
  }
}

/** Records the date of receipt: the 30-day answer window (L622-27) runs from it. */
export async function recordReceipt(em: EntityManager, mail: MailDeps, input: { letterId: string; receivedOn: string }, actor: Actor, requestId: string | null = null, now = new Date()): Promise<IsoDate> {
  const letter = await findLetter(em, input.letterId)
  if (!letter?.sentOn) throw new DomainError('conflict', 'letter_not_sent', 'Enregistrez d’abord l’envoi de la lettre.')
  if (letter.receivedOn) throw new DomainError('conflict', 'receipt_recorded', `La réception est déjà enregistrée (le ${formatFrenchDate(letter.receivedOn)}).`)
  const received = input.receivedOn
  if (!isIsoDate(received) || received < letter.sentOn || received > todayInParis(now)) {
    throw new DomainError('invalid', 'receipt_invalid', 'Date de réception invalide.', [{ path: 'receivedOn', message: `une date entre l’envoi (${formatFrenchDate(letter.sentOn)}) et aujourd’hui` }])
  }
  const due = answerDeadline(received)
  await lockClaimState(em, letter.claimId)
  await em.execute(`update "contestation_letter" set "received_on" = ?, "answer_due_on" = ? where "id" = ?`, [received, due, letter.id])
  await recordAudit(em, { actor, requestId, action: 'letter.received', entityType: 'claim', entityId: letter.claimId, after: { letter: letter.number, receivedOn: received, answerDueOn: due } })
  const [claim] = await em.execute<{ number: string; structure_id: string }[]>(`select "number", "structure_id" from "claim" where "id" = ?`, [letter.claimId])
  if (claim) {
    const data = { number: claim.number, receivedOn: formatFrenchDate(received), dueOn: formatFrenchDate(due), link: `${mail.publicUrl}/structures/${claim.structure_id}/declaration/contestation` }
    for (const member of await activeMembers(em, claim.structure_id)) await queueMail(em, mail, { to: member.email, template: 'contestation-receipt', data })
  }
  return due
}
