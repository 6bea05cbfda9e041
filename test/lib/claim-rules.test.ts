import t from 'tap'
import fc from 'fast-check'
import { canSubmit, checklist, claimTotals, type RuleLine } from '../../server/lib/claim-rules.ts'

const JUDGMENT = '2024-01-16'
const pass = (amountCents: number, afterJudgment: boolean | null = false): RuleLine => ({ kind: 'pass', amountCents, date: null, afterJudgment })

t.test('L622-25: the amount due at the judgment date excludes passes used after it, shown apart', async (t) => {
  const totals = claimTotals([pass(1000), pass(1000), pass(1000, null), pass(1000, true)], JUDGMENT)
  t.equal(totals.dueCents, 3000, 'a pass with no date is declared (to be verified)')
  t.equal(totals.afterJudgmentCents, 1000)
  t.equal(totals.afterJudgmentPassCount, 1)
  t.equal(totals.passCount, 4)
})

t.test('L622-25: an invoice dated after the judgment is to fall due, with its date', async (t) => {
  const totals = claimTotals([{ kind: 'invoice', amountCents: 7700, date: '2024-03-01', afterJudgment: null }, { kind: 'subscription', amountCents: 7700, date: null, afterJudgment: null }], JUDGMENT)
  t.equal(totals.dueCents, 7700)
  t.equal(totals.toFallDueCents, 7700)
  t.same(totals.toFallDueDates, ['2024-03-01'])
})

t.test('totals are exact: due + to fall due + after judgment = sum of all lines', async () => {
  const line = fc.record({
    kind: fc.constantFrom('pass' as const, 'invoice' as const, 'subscription' as const),
    amountCents: fc.integer({ min: 1, max: 100_000 }),
    date: fc.option(fc.constantFrom('2023-12-01', '2024-01-16', '2024-02-01'), { nil: null }),
    afterJudgment: fc.option(fc.boolean(), { nil: null }),
  })
  fc.assert(
    fc.property(fc.array(line, { maxLength: 200 }), (lines) => {
      const totals = claimTotals(lines, JUDGMENT)
      return totals.dueCents + totals.toFallDueCents + totals.afterJudgmentCents === lines.reduce((s, l) => s + l.amountCents, 0)
    }),
  )
})

const base = { identityComplete: true, lines: [pass(1000)], evidenceKinds: ['pass_scans'], deadline: { status: 'open' as const, deadline: '2024-03-28', daysRemaining: 10 }, overriddenValues: 0 }

t.test('a complete claim in time can be submitted', async (t) => {
  t.ok(canSubmit(checklist(base)))
})

t.test('R622-23: each kind of line needs evidence of a supporting kind', async (t) => {
  const items = checklist({ ...base, evidenceKinds: ['invoice'] })
  t.notOk(canSubmit(items))
  t.match(items.find((i) => i.code === 'evidence_pass')?.action, /justificatif/)
  t.ok(canSubmit(checklist({ ...base, evidenceKinds: ['platform_export'] })), 'a platform export supports passes')
})

t.test('no line, no submission', async (t) => {
  t.notOk(canSubmit(checklist({ ...base, lines: [] })))
})

t.test('L622-26: late but within six months is possible with a relief request; after that, blocked', async (t) => {
  const late = checklist({ ...base, deadline: { status: 'late_relief_possible', deadline: '2024-07-29', daysRemaining: 3 } })
  t.ok(canSubmit(late))
  t.match(late.find((i) => i.code === 'deadline')?.label, /relevé de forclusion/)
  const foreclosed = checklist({ ...base, deadline: { status: 'foreclosed', deadline: '2024-07-29', daysLate: 2 } })
  t.notOk(canSubmit(foreclosed))
})

t.test('without a BODACC date no deadline can be computed and submission waits', async (t) => {
  t.notOk(canSubmit(checklist({ ...base, deadline: null })))
})

t.test('after-judgment passes and changed values are warnings, not blockers', async (t) => {
  const items = checklist({ ...base, lines: [pass(1000), pass(1000, true)], overriddenValues: 2 })
  t.ok(canSubmit(items))
  t.ok(items.some((i) => i.code === 'after_judgment' && !i.blocking))
  t.ok(items.some((i) => i.code === 'overridden_values' && !i.blocking))
})
