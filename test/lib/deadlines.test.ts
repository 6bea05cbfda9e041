import t from 'tap'
import fc from 'fast-check'
import { addDays, addMonths, daysBetween, isWorkingDay } from '../../server/lib/calendar.ts'
import {
  answerDaysRemaining,
  answerDeadline,
  claimDeadline,
  creditorDeadlines,
  deadlineStatus,
  objectionDeadline,
  postReliefClaimDeadline,
  reliefDeadline,
} from '../../server/lib/deadlines.ts'

const publications = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10))

t.test('L622-24 / R622-24 al. 1: two months from the BODACC publication, same day number', async (t) => {
  t.equal(claimDeadline({ bodaccPublication: '2024-02-22', overseas: false }), '2024-04-22', 'Monday 22 April, a working day')
  t.equal(claimDeadline({ bodaccPublication: '2024-02-21', overseas: false }), '2024-04-22', 'Sunday 21 April → Monday 22 April')
})

t.test('CPC 642: two months landing on a Saturday move to the Monday', async (t) => {
  // Published Tuesday 16 January 2024 → Saturday 16 March 2024.
  t.equal(claimDeadline({ bodaccPublication: '2024-01-16', overseas: false }), '2024-03-18')
})

t.test('CPC 642: two months landing on public holidays move past all of them', async (t) => {
  // 8 May 2024 (Victoire 1945), then 9 May (Ascension): the first working day is Friday 10 May.
  t.equal(claimDeadline({ bodaccPublication: '2024-03-08', overseas: false }), '2024-05-10')
  // 1 April 2024 is Easter Monday.
  t.equal(claimDeadline({ bodaccPublication: '2024-02-01', overseas: false }), '2024-04-02')
})

t.test('R622-24 al. 2: two more months for a creditor outside metropolitan France (La Réunion…)', async (t) => {
  t.equal(claimDeadline({ bodaccPublication: '2024-01-16', overseas: true }), '2024-05-16', 'Thursday 16 May')
  t.equal(claimDeadline({ bodaccPublication: '2024-03-14', overseas: true }), '2024-07-15', 'Sunday 14 July (also a holiday) → Monday 15 July')
})

t.test('CPC 641: four months are counted in one step from the publication, not 2 + 2', async (t) => {
  t.equal(claimDeadline({ bodaccPublication: '2024-12-31', overseas: false }), '2025-02-28', 'no 31 February: last day of the month')
  t.equal(claimDeadline({ bodaccPublication: '2024-12-31', overseas: true }), '2025-04-30', '2 + 2 months would stop at 28 April')
})

t.test('extra local holidays can be honoured when the procedure says so', async (t) => {
  // 16 May 2024 + a hypothetical local holiday that day.
  t.equal(claimDeadline({ bodaccPublication: '2024-01-16', overseas: true, extraHolidays: ['2024-05-16'] }), '2024-05-17')
})

t.test('L622-26: relief from foreclosure must be sought within six months of the publication', async (t) => {
  t.equal(reliefDeadline('2024-01-16'), '2024-07-16')
  t.equal(reliefDeadline('2024-01-14'), '2024-07-15', 'Sunday 14 July → Monday 15 July (CPC 642)')
  t.equal(reliefDeadline('2023-08-31'), '2024-02-29', 'CPC 641: last day of a shorter month')
  t.same(creditorDeadlines({ bodaccPublication: '2024-01-16', overseas: true }), { claimDeadline: '2024-05-16', reliefDeadline: '2024-07-16' },
    'the six months are the same overseas')
})

t.test('L622-24 al. 1: after relief, half the period, counted from the notification', async (t) => {
  t.equal(postReliefClaimDeadline('2024-09-10', false), '2024-10-10', 'one month')
  t.equal(postReliefClaimDeadline('2024-09-10', true), '2024-11-12', 'two months overseas: Sunday 10, Monday 11 November (Armistice) → Tuesday 12')
})

t.test('L622-27 / R624-1: thirty days to answer a contestation, from receipt, receipt day excluded', async (t) => {
  t.equal(answerDeadline('2024-03-04'), '2024-04-03', 'day 1 is 5 March, day 30 is 3 April')
  // Day 30 is Easter Sunday 31 March 2024, then Easter Monday: Tuesday 2 April.
  t.equal(answerDeadline('2024-03-01'), '2024-04-02')
  t.equal(answerDaysRemaining('2024-04-02', '2024-04-02'), 0, 'still in time on the last day')
  t.equal(answerDaysRemaining('2024-04-03', '2024-04-02'), -1)
})

t.test('R624-8: one month to object to the statement of claims, from its BODACC notice', async (t) => {
  t.equal(objectionDeadline('2024-10-15'), '2024-11-15')
  t.equal(objectionDeadline('2024-10-01'), '2024-11-04', 'Friday 1 November (Toussaint) → Monday 4 November')
})

t.test('deadlineStatus: open until the end of the last day, with a countdown', async (t) => {
  const deadlines = creditorDeadlines({ bodaccPublication: '2024-01-16', overseas: false })
  t.same(deadlineStatus('2024-01-16', deadlines), { status: 'open', deadline: '2024-03-18', daysRemaining: 62 })
  t.same(deadlineStatus('2024-03-17', deadlines), { status: 'open', deadline: '2024-03-18', daysRemaining: 1 })
  t.same(deadlineStatus('2024-03-18', deadlines), { status: 'open', deadline: '2024-03-18', daysRemaining: 0 }, 'CPC 642: expires at midnight')
})

t.test('deadlineStatus: late claims can still ask for relief for six months (L622-26)', async (t) => {
  const deadlines = creditorDeadlines({ bodaccPublication: '2024-01-16', overseas: false })
  t.same(deadlineStatus('2024-03-19', deadlines), { status: 'late_relief_possible', deadline: '2024-07-16', daysRemaining: 119 })
  t.same(deadlineStatus('2024-07-16', deadlines), { status: 'late_relief_possible', deadline: '2024-07-16', daysRemaining: 0 })
})

t.test('deadlineStatus: foreclosed after the six months', async (t) => {
  const deadlines = creditorDeadlines({ bodaccPublication: '2024-01-16', overseas: false })
  t.same(deadlineStatus('2024-07-17', deadlines), { status: 'foreclosed', deadline: '2024-07-16', daysLate: 1 })
})

t.test('property: the claim deadline is a working day, at or after the raw term, within the relief deadline', async (t) => {
  fc.assert(
    fc.property(publications, fc.boolean(), (bodaccPublication, overseas) => {
      const { claimDeadline: claim, reliefDeadline: relief } = creditorDeadlines({ bodaccPublication, overseas })
      const raw = addMonths(bodaccPublication, overseas ? 4 : 2)
      return isWorkingDay(claim) && isWorkingDay(relief) && claim >= raw && daysBetween(raw, claim) <= 4 && claim < relief
    }),
  )
  t.pass()
})

t.test('property: overseas creditors never have less time than metropolitan ones', async (t) => {
  fc.assert(
    fc.property(publications, (bodaccPublication) =>
      claimDeadline({ bodaccPublication, overseas: true }) > claimDeadline({ bodaccPublication, overseas: false })),
  )
  t.pass()
})

t.test('property: day by day the status only moves forward and the countdown drops by one', async (t) => {
  fc.assert(
    fc.property(publications, fc.boolean(), fc.integer({ min: -10, max: 250 }), (bodaccPublication, overseas, offset) => {
      const deadlines = creditorDeadlines({ bodaccPublication, overseas })
      const today = addDays(bodaccPublication, offset)
      const now = deadlineStatus(today, deadlines)
      const next = deadlineStatus(addDays(today, 1), deadlines)
      const order = { open: 0, late_relief_possible: 1, foreclosed: 2 }
      if (order[next.status] < order[now.status]) return false
      if (now.status !== 'foreclosed' && next.status === now.status && 'daysRemaining' in next) {
        return next.daysRemaining === now.daysRemaining - 1
      }
      return true
    }),
  )
  t.pass()
})

// Receipts around month ends and February of leap and common years, where off-by-one errors hide.
const monthEnds = fc
  .record({ year: fc.integer({ min: 2023, max: 2032 }), month: fc.integer({ min: 1, max: 12 }), back: fc.integer({ min: 0, max: 3 }) })
  .map(({ year, month, back }) => addDays(addMonths(`${year}-${String(month).padStart(2, '0')}-01`, 1), -1 - back))

t.test('property (L622-27): the answer deadline is day 30 after receipt, or the next working day after it', async () => {
  fc.assert(
    fc.property(fc.oneof(monthEnds, publications), (receipt) => {
      const deadline = answerDeadline(receipt)
      const day30 = addDays(receipt, 30)
      if (!isWorkingDay(deadline) || deadline < day30 || daysBetween(receipt, deadline) > 34) return false
      // Every day from day 30 up to the deadline (excluded) is a weekend or public holiday.
      for (let d = day30; d < deadline; d = addDays(d, 1)) if (isWorkingDay(d)) return false
      return answerDaysRemaining(deadline, deadline) === 0 && answerDaysRemaining(addDays(deadline, 1), deadline) === -1
    }),
    { numRuns: 2000 },
  )
})

t.test('L622-27 across February: leap and common years', async (t) => {
  t.equal(answerDeadline('2024-01-31'), '2024-03-01', '2024 is a leap year: day 30 is Friday 1 March')
  t.equal(answerDeadline('2023-01-31'), '2023-03-02', '2023: day 30 is Thursday 2 March')
  t.equal(answerDeadline('2028-01-30'), '2028-02-29', 'day 30 is Tuesday 29 February 2028')
})
