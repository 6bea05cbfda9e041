// The liquidator's workflow on a claim over a loaded ledger (issue 7): rules a lawyer would check.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import { loadNationalFixture } from '../../fixtures/national/seed.ts'
import { addDays, todayInParis } from '../../server/lib/calendar.ts'
import { answerDeadline } from '../../server/lib/deadlines.ts'
import { closeAnswerWindows, answerContestation } from '../../server/modules/review/answers.ts'
import { decideGroup, decideLines } from '../../server/modules/review/decisions.ts'
import { requestDocuments } from '../../server/modules/review/documents-request.ts'
import { letterBatch, queueLetterBatch, runLetterBatch } from '../../server/modules/review/letter-batch.ts'
import { generateLetter, liveLetter, recordReceipt, recordSending } from '../../server/modules/review/letters.ts'
import { applyDefaultProposals, makeProposal, proposalFigures } from '../../server/modules/review/proposal.ts'
import { Claim } from '../../server/modules/claims/entities.ts'
import { recordEvidence } from '../../server/modules/claims/evidence.ts'
import { makeProfessional, makeStructure } from '../helpers/accounts.ts'
import { markSubmitted } from '../helpers/claims.ts'
import { buildTestApp } from '../helpers/app.ts'

const { runtime } = await buildTestApp(t)
const dir = mkdtempSync(join(tmpdir(), 'creances-workflow-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
execFileSync(process.execPath, ['fixtures/national/cli.ts', '--small', '--out', dir], { stdio: 'ignore' })
await loadNationalFixture(runtime.orm.em.fork(), runtime.databaseUrl, dir)
const { account } = await makeProfessional(runtime.orm, 'liquidator', 'etude@liquidation.example')
const actor = { id: account.id, role: 'liquidator' }
const mail = { boss: runtime.boss, templates: runtime.templates, mailFrom: 'noreply@example.org', publicUrl: 'http://localhost' }
const deps = { files: runtime.files, publicUrl: 'http://localhost' }
const tx = <T>(fn: (em: ReturnType<typeof runtime.orm.em.fork>) => Promise<T>) => runtime.orm.em.fork().transactional(fn)
const state = async (claimId: string) => (await runtime.orm.em.fork().execute<{ status: string }[]>(`select "status" from "claim" where "id" = ?`, [claimId]))[0]?.status

/** Claims holding lines of `status`, submitted for the test (the fixture's claims are drafts). */
async function submittedClaims(status: string, n: number): Promise<string[]> {
  const rows = await runtime.orm.em.fork().execute<{ claim_id: string }[]>(
    `select r."claim_id" from "line_reconciliation" r group by 1 having count(*) filter (where r."status" = ?) > 1 order by 1 limit ?`,
    [status, n],
  )
  await markSubmitted(runtime.orm.em.fork(), rows.map((r) => r.claim_id))
  return rows.map((r) => r.claim_id)
}
const [claimA, claimB, claimC] = await submittedClaims('matched', 3)
if (!claimA || !claimB || !claimC) throw new Error('fixture too small')

t.test('no rejection for missing documents before asking for them (Cass. com. 5 June 2012)', async (t) => {
  const refused = tx((em) => decideGroup(em, { claimId: claimA, status: 'matched', decision: 'reject', reasonCode: 'missing_evidence' }, actor))
  await t.rejects(refused, { code: 'documents_not_requested' })
  t.equal(await state(claimA), 'submitted', 'nothing changed')
  await tx((em) => requestDocuments(em, mail, { claimId: claimA, what: 'Les feuilles d’émargement des ateliers', dueOn: addDays(todayInParis(new Date()), 15) }, actor))
  t.equal(await state(claimA), 'under_review', 'the request starts the review')
  await t.rejects(tx((em) => decideGroup(em, { claimId: claimA, status: 'matched', decision: 'reject', reasonCode: 'missing_evidence' }, actor)), { code: 'documents_not_requested' }, 'not before the due date')
  await runtime.orm.em.fork().execute(`update "documents_request" set "due_on" = current_date - 1 where "claim_id" = ?`, [claimA])
  const done = await tx((em) => decideGroup(em, { claimId: claimA, status: 'matched', decision: 'reject', reasonCode: 'missing_evidence' }, actor))
  t.ok(done.decided > 0, 'once the due date has passed unanswered, the rejection is possible')
  // The structure's next upload answers the request (audited with the upload).
  const stored = await runtime.files.put(Readable.from([Buffer.from('%PDF-1.4\n%feuilles d’émargement\n%%EOF\n')]), { maxBytes: 1_000_000 })
  await tx(async (em) => {
    const claim = await em.findOneOrFail(Claim, { id: claimA })
    await recordEvidence(em, claim, [{ ...stored, originalName: 'emargement.pdf' }], 'correspondence', { actor: { id: null, role: 'structure' }, requestId: null })
  })
  const [request] = await runtime.orm.em.fork().execute<{ answered_at: Date | null }[]>(`select "answered_at" from "documents_request" where "claim_id" = ?`, [claimA])
  t.ok(request?.answered_at, 'the request is answered')
  const [event] = await runtime.orm.em.fork().execute<{ n: string }[]>(`select count(*) as "n" from "audit_event" where "action" = 'claim.documents_received' and "entity_id" = ?`, [claimA])
  t.equal(Number(event?.n), 1)
})

t.test('ticked lines are decided at the version shown; a line decided meanwhile refuses the whole set', async (t) => {
  const lines = await runtime.orm.em.fork().execute<{ id: string }[]>(`select "claim_line_id" as "id" from "line_reconciliation" where "claim_id" = ? and "status" = 'matched' order by 1 limit 2`, [claimB])
  const [one, two] = lines as [{ id: string }, { id: string }]
  await tx((em) => decideLines(em, { claimId: claimB, decision: 'admit', lines: [{ id: one.id, lock: 0 }] }, actor))
  const stale = tx((em) => decideLines(em, { claimId: claimB, decision: 'contest', reasonCode: 'other', comment: 'à vérifier', lines: [{ id: two.id, lock: 0 }, { id: one.id, lock: 0 }] }, actor))
  await t.rejects(stale, { code: 'decision_changed', message: /décidée entre-temps \(liquidator/ })
  const [decided] = await runtime.orm.em.fork().execute<{ n: string }[]>(`select count(*) as "n" from "line_decision" where "claim_line_id" = ?`, [two.id])
  t.equal(Number(decided?.n), 0, 'the other ticked line was not written either')
})

t.test('a proposal needs every line decided, and an adjusted amount needs its reason', async (t) => {
  await t.rejects(tx((em) => makeProposal(em, { claimId: claimB, refer: false }, actor)), { code: 'lines_undecided' })
  await tx((em) => applyDefaultProposals(em, claimB, actor))
  await runtime.orm.em.fork().execute(`delete from "line_decision" d using "line_reconciliation" r where r."claim_line_id" = d."claim_line_id" and r."claim_id" = ? and r."status" = 'duplicate_declared'`, [claimB])
  await tx((em) => decideGroup(em, { claimId: claimB, status: 'duplicate_declared', decision: 'contest', reasonCode: 'duplicate' }, actor))
  const figures = await proposalFigures(runtime.orm.em.fork(), claimB)
  t.equal(figures.undecidedLines, 0)
  await t.rejects(tx((em) => makeProposal(em, { claimId: claimB, admitCents: figures.admitCents - 1000, refer: false }, actor)), { code: 'override_reason_required' })
  await t.rejects(tx((em) => makeProposal(em, { claimId: claimB, admitCents: figures.declaredCents + 1, overrideReason: 'x', refer: false }, actor)), { code: 'admit_out_of_range' })
  await tx((em) => makeProposal(em, { claimId: claimB, refer: false }, actor))
  t.equal(await state(claimB), 'proposal_made')
  const [p] = await runtime.orm.em.fork().execute<{ admit_cents: string; reject_cents: string }[]>(`select "admit_cents", "reject_cents" from "claim_proposal" where "claim_id" = ?`, [claimB])
  t.equal(Number(p?.admit_cents) + Number(p?.reject_cents), figures.declaredCents, 'admitted + rejected = declared, in cents')
})

t.test('the letter states each discussed pass, the proposed admission and L622-27; the clock runs from receipt', async (t) => {
  const letter = await tx((em) => generateLetter(em, deps, claimB, actor))
  const pdfPath = join(dir, 'letter.pdf')
  writeFileSync(pdfPath, readFileSync(runtime.files.path(letter.pdfSha256)))
  const text = execFileSync('pdftotext', ['-layout', pdfPath, '-']).toString().replace(/\s+/gu, ' ')
  t.match(text, /Article L622-27 du Code de commerce/)
  t.match(text, /Le défaut de réponse dans le délai de trente jours interdit toute contestation ultérieure/)
  const [first] = await runtime.orm.em.fork().execute<{ identifier: string }[]>(
    `select l."identifier" from "line_decision" d join "claim_line" l on l."id" = d."claim_line_id" where d."claim_id" = ? and d."decision" = 'contest' order by 1 limit 1`,
    [claimB],
  )
  t.match(text, first?.identifier ?? 'none', 'a contested pass is listed')
  await t.rejects(tx((em) => recordSending(em, mail, { letterId: letter.id, method: 'pigeon', reference: '', sentOn: '2099-01-01' }, actor)), { code: 'sending_invalid' })
  // A member of the creditor structure, to receive the letter (the fixture's structures have none).
  const { accounts } = await makeStructure(runtime.orm, { siret: '73282932000074', name: 'Tiers lieu', members: ['ines@tiers-lieu.example'] })
  await runtime.orm.em.fork().execute(`update "membership" set "structure_id" = (select "structure_id" from "claim" where "id" = ?) where "account_id" = ?`, [claimB, accounts[0]?.id])
  const sentOn = addDays(todayInParis(new Date()), -40)
  await tx((em) => recordSending(em, mail, { letterId: letter.id, method: 'registered_letter', reference: '1A23456789', sentOn }, actor))
  t.equal(await state(claimB), 'contested')
  const [mailed] = await runtime.orm.em.fork().execute<{ attachments: { sha256: string }[] }[]>(`select "attachments" from "mail_message" where "template" = 'contestation-letter' and "recipient" = 'ines@tiers-lieu.example'`)
  t.equal(mailed?.attachments[0]?.sha256, letter.pdfSha256, 'the structure is mailed the letter')
  await t.rejects(tx((em) => generateLetter(em, deps, claimB, actor)), { code: 'letter_needs_proposal' }, 'a sent letter is not replaced')
  const receivedOn = addDays(sentOn, 2)
  const due = await tx((em) => recordReceipt(em, mail, { letterId: letter.id, receivedOn }, actor))
  t.equal(due, answerDeadline(receivedOn))
  // Received 38 days ago: the window has closed; the answer is refused and the claim moves on.
  await t.rejects(tx((em) => answerContestation(em, mail, { claimId: claimB, answer: 'accept', comment: '' }, { id: null, role: 'structure' })), { code: 'answer_window_closed' })
  t.equal(await tx((em) => closeAnswerWindows(em, todayInParis(new Date()))), 1)
  t.equal(await state(claimB), 'answer_window_closed')
  t.equal(await tx((em) => closeAnswerWindows(em, todayInParis(new Date()))), 0, 'idempotent')
})

t.test('letters in bulk: one per claim ready, the others listed with the reason', async (t) => {
  await tx(async (em) => {
    await applyDefaultProposals(em, claimC, actor)
    const left = await proposalFigures(em, claimC)
    if (left.undecidedLines > 0) await decideGroup(em, { claimId: claimC, status: 'duplicate_declared', decision: 'contest', reasonCode: 'duplicate' }, actor)
    await decideLines(em, { claimId: claimC, decision: 'contest', reasonCode: 'expired', lines: await em.execute<{ id: string; lock: number }[]>(`select d."claim_line_id" as "id", d."lock_version" as "lock" from "line_decision" d where d."claim_id" = ? limit 1`, [claimC]) }, actor)
    await makeProposal(em, { claimId: claimC, refer: true }, actor)
  })
  const [{ procedure_id: procedureId }] = (await runtime.orm.em.fork().execute<{ procedure_id: string }[]>(`select "procedure_id" from "claim" where "id" = ?`, [claimC])) as [{ procedure_id: string }]
  const batchId = await tx((em) => queueLetterBatch(em, runtime.boss, procedureId, [claimC, claimA], actor))
  await runLetterBatch({ orm: runtime.orm, ...deps }, { batchId, actor })
  const batch = await letterBatch(runtime.orm.em.fork(), batchId)
  t.equal(batch.status, 'done')
  t.equal(batch.done, 1)
  t.equal(batch.failed, 1)
  t.match(batch.failures[0]?.message, /proposition/, 'the claim without a proposal says why')
  await runLetterBatch({ orm: runtime.orm, ...deps }, { batchId, actor })
  t.equal((await letterBatch(runtime.orm.em.fork(), batchId)).letters.length, 1, 'a retried job generates nothing twice')
  // Deciding a line again reopens the review: the unsent letter no longer holds.
  await tx(async (em) => {
    const [line] = await em.execute<{ id: string; lock: number }[]>(`select "claim_line_id" as "id", "lock_version" as "lock" from "line_decision" where "claim_id" = ? limit 1`, [claimC])
    await decideLines(em, { claimId: claimC, decision: 'contest', reasonCode: 'other', comment: 'revu', lines: [line!] }, actor)
  })
  t.equal(await state(claimC), 'under_review')
  t.equal(await liveLetter(runtime.orm.em.fork(), claimC), null, 'the unsent letter is withdrawn')
})

t.test('a whole-procedure reconciliation swaps its partition atomically: rolled back, the previous statuses stay', async (t) => {
  const { reconcileProcedure } = await import('../../server/modules/reconciliation/service.ts')
  const em = runtime.orm.em.fork()
  const [{ procedure_id: procedureId }] = (await em.execute<{ procedure_id: string }[]>(`select "procedure_id" from "claim" limit 1`)) as [{ procedure_id: string }]
  const count = async () => Number((await runtime.orm.em.fork().execute<{ n: string }[]>(`select count(*) as "n" from "line_reconciliation" where "procedure_id" = ?`, [procedureId]))[0]?.n)
  const before = await count()
  await t.rejects(
    runtime.orm.em.fork().transactional(async (tx) => {
      await reconcileProcedure(tx, procedureId)
      throw new Error('crash after the swap, before the commit')
    }),
    /crash/,
  )
  t.equal(await count(), before, 'the previous statuses answer')
  t.equal(await runtime.orm.em.fork().transactional((tx) => reconcileProcedure(tx, procedureId)), before, 'every line again')
  const partitions = await em.execute<{ n: string }[]>(`select count(*) as "n" from pg_inherits where inhparent = 'line_reconciliation'::regclass`)
  t.equal(Number(partitions[0]?.n), 1, 'one partition for the procedure, no leftover')
  const leftovers = await em.execute<{ n: string }[]>(`select count(*) as "n" from pg_class where relname like 'lr\_next\_%' and relkind = 'r'`)
  t.equal(Number(leftovers[0]?.n), 0)
})

t.test('a draft is not declared: its lines are not decided', async (t) => {
  const [draft] = await runtime.orm.em.fork().execute<{ id: string }[]>(`select "id" from "claim" where "status" = 'draft' limit 1`)
  await t.rejects(tx((em) => decideGroup(em, { claimId: draft!.id, status: 'matched', decision: 'admit' }, actor)), { code: 'claim_not_submitted' })
  await t.rejects(tx((em) => applyDefaultProposals(em, draft!.id, actor)), { code: 'claim_not_submitted' })
})

t.test('a correction filed after decisions: unchanged lines keep theirs, a changed line can be admitted again', async (t) => {
  const { carryDecisionsOver } = await import('../../server/modules/review/carry-over.ts')
  const { reconcileClaim } = await import('../../server/modules/reconciliation/service.ts')
  const em = () => runtime.orm.em.fork()
  const [pick] = await em().execute<{ claim_id: string; procedure_id: string }[]>(
    `select r."claim_id", r."procedure_id" from "line_reconciliation" r where not (r."claim_id" = any(?::uuid[]))
     group by 1, 2 having count(*) filter (where r."status" = 'matched') > 2 order by 1 limit 1`,
    [`{${[claimA, claimB, claimC].join(',')}}`],
  )
  if (!pick) return t.fail('no claim left with matched lines')
  const claimId = pick.claim_id
  await markSubmitted(em(), [claimId])
  const first = await tx((em) => decideGroup(em, { claimId, status: 'matched', decision: 'admit' }, actor))
  t.ok(first.decided > 2, `${first.decided} lines admitted on version 1`)
  // The structure files a correction: a new version with every line copied, one amount lowered.
  const next = await tx(async (em) => {
    const [v] = await em.execute<{ id: string; version: number }[]>(
      `insert into "claim_version" ("id", "claim_id", "version", "kind", "created_at")
       select gen_random_uuid(), c."id", c."current_version" + 1, 'correction', now() from "claim" c where c."id" = ? returning "id", "version"`,
      [claimId],
    )
    await em.execute(`update "claim" set "current_version" = ? where "id" = ?`, [v!.version, claimId])
    await em.execute(
      `insert into "claim_line" ("id", "version_id", "kind", "identifier", "face_value_cents", "service_date", "scan_date", "amount_cents", "source", "created_at")
       select gen_random_uuid(), ?, l."kind", l."identifier", l."face_value_cents", l."service_date", l."scan_date", l."amount_cents", 'copied', now()
       from "claim_line" l join "claim_version" pv on pv."id" = l."version_id" join "claim" c on c."id" = pv."claim_id" and pv."version" = c."current_version" - 1
       where c."id" = ?`,
      [v!.id, claimId],
    )
    return v!
  })
  const [changed] = await em().execute<{ id: string; identifier: string }[]>(
    `select l."id", l."identifier" from "claim_line" l join "line_reconciliation" r0 on r0."identifier" = l."identifier" and r0."claim_id" = ? and r0."status" = 'matched'
     where l."version_id" = ? order by l."identifier" limit 1`,
    [claimId, next.id],
  )
  await em().execute(`update "claim_line" set "amount_cents" = "amount_cents" - 100 where "id" = ?`, [changed!.id])
  await markSubmitted(em(), [claimId])
  // A proposal made on version 1; filing version 2 restarts the review (submitClaim's state).
  await em().execute(`insert into "claim_proposal" ("claim_id", "admit_cents", "reject_cents", "computed_admit_cents", "proposed_at") values (?, 1000, 0, 1000, now())`, [claimId])
  await em().execute(`update "claim" set "status" = 'submitted' where "id" = ?`, [claimId])
  await tx(async (em) => {
    await reconcileClaim(em, pick.procedure_id, claimId)
    await carryDecisionsOver(em, claimId, next.id, actor, null)
  })
  const rows = await em().execute<{ version: number; in_force: string; superseded: string }[]>(
    `select v."version", count(*) filter (where d."superseded_at" is null) as "in_force", count(*) filter (where d."superseded_at" is not null) as "superseded"
     from "line_decision" d join "claim_line" l on l."id" = d."claim_line_id" join "claim_version" v on v."id" = l."version_id"
     where v."claim_id" = ? group by 1 order by 1`,
    [claimId],
  )
  t.same(rows.map((r) => [r.version, Number(r.in_force), Number(r.superseded)]), [[1, 0, first.decided], [2, first.decided - 1, 0]], 'version 1 superseded, its unchanged lines carried over')
  const [proposal] = await em().execute<{ n: string }[]>(`select count(*) as "n" from "claim_proposal" where "claim_id" = ?`, [claimId])
  t.equal(Number(proposal?.n), 0, 'the proposal made on version 1 is withdrawn')
  const [mine] = await em().execute<{ n: string }[]>(`select count(*) as "n" from "line_decision" where "claim_line_id" = ?`, [changed!.id])
  t.equal(Number(mine?.n), 0, 'the changed line waits for a decision')
  await tx((em) => decideLines(em, { claimId, decision: 'admit', lines: [{ id: changed!.id, lock: 0 }] }, actor))
  const [admitted] = await em().execute<{ n: string }[]>(
    `select count(*) as "n" from "line_decision" where "identifier" = ? and "decision" = 'admit' and "superseded_at" is null`,
    [changed!.identifier],
  )
  t.equal(Number(admitted?.n), 1, 'its pass is admitted again, once')
  const [event] = await em().execute<{ after: { proposalWithdrawn: boolean; carriedOver: number } }[]>(
    `select "after" from "audit_event" where "action" = 'claim.decisions_carried_over' and "entity_id" = ?`,
    [claimId],
  )
  t.same(event?.after && [event.after.proposalWithdrawn, event.after.carriedOver], [true, first.decided - 1], 'audited')
})
