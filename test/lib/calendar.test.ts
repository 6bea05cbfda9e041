import t from 'tap'
import fc from 'fast-check'
import {
  addDays,
  addMonths,
  alsaceMoselleExtraHolidays,
  dayOfWeek,
  daysBetween,
  easterSunday,
  formatFrenchDate,
  frenchPublicHolidays,
  isIsoDate,
  isWorkingDay,
  isoDate,
  nextWorkingDay,
  parisDateOf,
  parseFrenchDate,
  todayInParis,
} from '../../server/lib/calendar.ts'

const anyDate = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10))

t.test('Easter Sunday on known years (Meeus/Butcher)', async (t) => {
  t.equal(easterSunday(2019), '2019-04-21')
  t.equal(easterSunday(2024), '2024-03-31')
  t.equal(easterSunday(2025), '2025-04-20')
  t.equal(easterSunday(2026), '2026-04-05')
  t.equal(easterSunday(2285), '2285-03-22', 'earliest possible date')
  t.equal(easterSunday(2038), '2038-04-25', 'latest possible date')
  t.throws(() => easterSunday(1500), RangeError, 'Julian calendar years are refused')
})

t.test('property: Easter is always a Sunday between 22 March and 25 April', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1583, max: 9999 }), (year) => {
      const easter = easterSunday(year)
      return dayOfWeek(easter) === 0 && easter >= `${year}-03-22` && easter <= `${year}-04-25`
    }),
  )
  t.pass()
})

t.test('French public holidays of 2024 (metropolitan list, Code du travail L3133-1)', async (t) => {
  t.same(frenchPublicHolidays(2024), [
    '2024-01-01', // Jour de l'an
    '2024-04-01', // Lundi de Pâques
    '2024-05-01', // Fête du travail
    '2024-05-08', // Victoire 1945
    '2024-05-09', // Ascension
    '2024-05-20', // Lundi de Pentecôte
    '2024-07-14', // Fête nationale
    '2024-08-15', // Assomption
    '2024-11-01', // Toussaint
    '2024-11-11', // Armistice
    '2024-12-25', // Noël
  ])
})

t.test('Easter-based holidays of 2025 move with Easter', async (t) => {
  const holidays = frenchPublicHolidays(2025)
  t.ok(holidays.includes('2025-04-21'), 'Easter Monday')
  t.ok(holidays.includes('2025-05-29'), 'Ascension')
  t.ok(holidays.includes('2025-06-09'), 'Whit Monday')
  t.notOk(holidays.includes('2025-04-18'), 'Good Friday is not a metropolitan holiday')
})

t.test('local holidays are added through `extra` (Alsace-Moselle, overseas)', async (t) => {
  t.same(alsaceMoselleExtraHolidays(2024), ['2024-03-29', '2024-12-26'])
  const withReunion = frenchPublicHolidays(2024, ['2024-12-20', '2025-12-20'])
  t.equal(withReunion.length, 12, 'only the extra day of the requested year is kept')
  t.ok(withReunion.includes('2024-12-20'))
  t.ok(isWorkingDay('2024-12-26'))
  t.notOk(isWorkingDay('2024-12-26', { extraHolidays: alsaceMoselleExtraHolidays(2024) }))
})

t.test('working days: not a weekend, not a public holiday', async (t) => {
  t.ok(isWorkingDay('2024-01-16'), 'Tuesday')
  t.notOk(isWorkingDay('2024-03-16'), 'Saturday')
  t.notOk(isWorkingDay('2024-03-17'), 'Sunday')
  t.notOk(isWorkingDay('2024-04-01'), 'Easter Monday')
  t.notOk(isWorkingDay('2024-05-20'), 'Whit Monday')
})

t.test('CPC 642: a deadline on a non-working day moves to the next working day', async (t) => {
  t.equal(nextWorkingDay('2024-01-16'), '2024-01-16', 'a working day stays')
  t.equal(nextWorkingDay('2024-03-16'), '2024-03-18', 'Saturday → Monday')
  t.equal(nextWorkingDay('2024-03-30'), '2024-04-02', 'Easter Saturday → Tuesday after Easter Monday')
  t.equal(nextWorkingDay('2024-05-08'), '2024-05-10', 'Wednesday 8 May → Friday, after Ascension on Thursday 9')
  t.equal(nextWorkingDay('2021-12-25'), '2021-12-27', 'Christmas on a Saturday → Monday')
})

t.test('property: nextWorkingDay is a working day, not before the input, with no working day in between', async (t) => {
  fc.assert(
    fc.property(anyDate, (date) => {
      const next = nextWorkingDay(date)
      if (!isWorkingDay(next) || next < date) return false
      for (let day = date; day < next; day = addDays(day, 1)) if (isWorkingDay(day)) return false
      return daysBetween(date, next) <= 4
    }),
  )
  t.pass()
})

t.test('CPC 641: months end on the same day number, or the last day of a shorter month', async (t) => {
  t.equal(addMonths('2024-01-16', 2), '2024-03-16')
  t.equal(addMonths('2024-01-31', 1), '2024-02-29', 'leap year')
  t.equal(addMonths('2023-01-31', 1), '2023-02-28')
  t.equal(addMonths('2024-03-31', 1), '2024-04-30')
  t.equal(addMonths('2023-12-31', 2), '2024-02-29')
  t.equal(addMonths('2023-12-31', 4), '2024-04-30', 'one step, not two: +2 then +2 would give 29 April')
  t.equal(addMonths('2024-11-15', 3), '2025-02-15', 'across a year')
  t.equal(addMonths('2024-03-31', -1), '2024-02-29', 'backwards')
})

t.test('property: addMonths keeps the day number when the target month has it, else its last day', async (t) => {
  fc.assert(
    fc.property(anyDate, fc.integer({ min: -120, max: 120 }), (date, months) => {
      const result = addMonths(date, months)
      const day = Number(date.slice(8))
      const resultDay = Number(result.slice(8))
      const lastDay = Number(addDays(`${addMonths(`${result.slice(0, 7)}-01`, 1).slice(0, 7)}-01`, -1).slice(8))
      const monthsApart = (Number(result.slice(0, 4)) - Number(date.slice(0, 4))) * 12 + Number(result.slice(5, 7)) - Number(date.slice(5, 7))
      return monthsApart === months && resultDay === Math.min(day, lastDay)
    }),
  )
  t.pass()
})

t.test('addDays and daysBetween agree with the proleptic Gregorian calendar', async (t) => {
  t.equal(addDays('2024-02-28', 1), '2024-02-29')
  t.equal(addDays('2024-02-29', 1), '2024-03-01')
  t.equal(addDays('2024-12-31', 1), '2025-01-01')
  t.equal(addDays('2024-03-01', -1), '2024-02-29')
  t.equal(daysBetween('2024-01-16', '2024-03-16'), 60)
  t.equal(daysBetween('2024-03-16', '2024-01-16'), -60)
  fc.assert(
    fc.property(anyDate, fc.integer({ min: -40000, max: 40000 }), (date, days) => {
      const moved = addDays(date, days)
      const viaDate = new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
      return moved === viaDate && daysBetween(date, moved) === days
    }),
  )
})

t.test('property: dayOfWeek agrees with Date#getUTCDay', async (t) => {
  fc.assert(fc.property(anyDate, (date) => dayOfWeek(date) === new Date(`${date}T00:00:00Z`).getUTCDay()))
  t.pass()
})

t.test('dates in Paris, not in UTC nor in the server zone', async (t) => {
  t.equal(parisDateOf(new Date('2023-12-31T23:30:00Z')), '2024-01-01', 'winter: UTC+1, already New Year in Paris')
  t.equal(parisDateOf(new Date('2024-01-15T22:59:59Z')), '2024-01-15')
  t.equal(parisDateOf(new Date('2024-01-15T23:00:00Z')), '2024-01-16', 'midnight in Paris')
  t.equal(parisDateOf(new Date('2024-07-14T21:59:59Z')), '2024-07-14', 'summer: UTC+2')
  t.equal(parisDateOf(new Date('2024-07-14T22:00:00Z')), '2024-07-15')
  t.equal(parisDateOf(new Date('2024-03-31T00:30:00Z')), '2024-03-31', 'night of the spring DST change')
  t.equal(parisDateOf(new Date('2024-03-30T23:00:00Z')), '2024-03-31', 'midnight before the spring change (still UTC+1)')
  t.equal(parisDateOf(new Date('2024-10-26T22:00:00Z')), '2024-10-27', 'midnight before the autumn change (still UTC+2)')
  t.equal(parisDateOf(new Date('2024-10-27T22:59:59Z')), '2024-10-27', 'after the autumn change (UTC+1)')
  t.equal(todayInParis(new Date('2024-01-16T10:00:00Z')), '2024-01-16')
  t.throws(() => parisDateOf(new Date('nope')), RangeError)
})

t.test('parseFrenchDate reads dd/mm/yyyy and friends', async (t) => {
  const read = (input: string): string => {
    const result = parseFrenchDate(input)
    return result.ok ? result.value : result.error.code
  }
  t.equal(read('16/01/2024'), '2024-01-16')
  t.equal(read('16/1/2024'), '2024-01-16')
  t.equal(read(' 1.2.2024 '), '2024-02-01')
  t.equal(read('29-02-2024'), '2024-02-29')
  t.equal(read('16 / 01 / 2024'), '2024-01-16')
  t.equal(read('2024-01-16'), '2024-01-16', 'what <input type="date"> sends')
  t.equal(read(''), 'empty')
  t.equal(read('16/01/24'), 'two_digit_year')
  t.equal(read('29/02/2023'), 'nonexistent_date')
  t.equal(read('01/13/2024'), 'nonexistent_date', 'no American month-first reading')
  t.equal(read('16/01-2024'), 'invalid_format', 'mixed separators')
  t.equal(read('16 janvier 2024'), 'invalid_format')
  const refused = parseFrenchDate('31/04/2024')
  if (!refused.ok) t.match(refused.error.message, /n’existe pas/)
})

t.test('formatFrenchDate writes dates as French documents do', async (t) => {
  t.equal(formatFrenchDate('2024-01-16'), '16 janvier 2024')
  t.equal(formatFrenchDate('2024-01-01'), '1er janvier 2024')
  t.equal(formatFrenchDate('2024-08-15'), '15 août 2024')
  t.equal(formatFrenchDate('2024-01-16', 'short'), '16/01/2024')
  t.equal(formatFrenchDate('2024-02-01', 'short'), '01/02/2024')
})

t.test('property: parseFrenchDate reads back formatFrenchDate short', async (t) => {
  fc.assert(fc.property(anyDate, (date) => {
    const back = parseFrenchDate(formatFrenchDate(date, 'short'))
    return back.ok && back.value === date
  }))
  t.pass()
})

t.test('IsoDate validation', async (t) => {
  t.ok(isIsoDate('2024-02-29'))
  t.notOk(isIsoDate('2023-02-29'))
  t.notOk(isIsoDate('2024-1-5'))
  t.notOk(isIsoDate(20240101))
  t.equal(isoDate(2024, 1, 5), '2024-01-05')
  t.throws(() => isoDate(2024, 2, 30), RangeError)
  t.throws(() => addDays('2024-02-30', 1), RangeError, 'bad input is a bug, not a date')
})
