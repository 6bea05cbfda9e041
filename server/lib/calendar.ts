// Calendar dates for legal deadlines. A deadline is a day, not an instant: it ends at midnight in
// Paris whatever the server's time zone (DOMAIN §6), so dates travel as 'YYYY-MM-DD' strings and
// all arithmetic is done on whole days, without Date objects that drag a time zone along.

import { fail, ok } from './result.ts'
import type { InputError, Result } from './result.ts'

/** A calendar date 'YYYY-MM-DD' (proleptic Gregorian, years 1000–9999). Compares correctly as a string. */
export type IsoDate = string

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

function isValidDay(year: number, month: number, day: number): boolean {
  return year >= 1000 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
}

export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false
  const match = ISO_PATTERN.exec(value)
  return match !== null && isValidDay(Number(match[1]), Number(match[2]), Number(match[3]))
}

/** Builds a date from numbers; month and day are 1-based as people write them. */
export function isoDate(year: number, month: number, day: number): IsoDate {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day) || !isValidDay(year, month, day)) {
    throw new RangeError(`not a calendar date: ${year}-${month}-${day}`)
  }
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

interface Ymd { readonly year: number; readonly month: number; readonly day: number }

function toYmd(date: IsoDate): Ymd {
  const match = ISO_PATTERN.exec(date)
  const ymd = { year: Number(match?.[1]), month: Number(match?.[2]), day: Number(match?.[3]) }
  if (match === null || !isValidDay(ymd.year, ymd.month, ymd.day)) throw new RangeError(`not an ISO calendar date: "${date}"`)
  return ymd
}

// Days since 1970-01-01 and back (H. Hinnant's civil calendar algorithms): exact integer arithmetic.
function toDayNumber(date: IsoDate): number {
  const { year, month, day } = toYmd(date)
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

function fromDayNumber(dayNumber: number): IsoDate {
  const z = dayNumber + 719468
  const era = Math.floor(z / 146097)
  const dayOfEra = z - era * 146097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return isoDate(yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
}

export function addDays(date: IsoDate, days: number): IsoDate {
  if (!Number.isSafeInteger(days)) throw new RangeError(`days must be an integer: ${days}`)
  return fromDayNumber(toDayNumber(date) + days)
}

/** Signed number of days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toDayNumber(to) - toDayNumber(from)
}

/**
 * Code de procédure civile art. 641 al. 2: a deadline in months expires on the day of the last
 * month that bears the same number as the starting day, or on that month's last day when it has
 * no such day (31 January + 1 month → 28 or 29 February). Months are never chained through
 * intermediate results: +4 months is computed in one step from the starting day.
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  if (!Number.isSafeInteger(months)) throw new RangeError(`months must be an integer: ${months}`)
  const { year, month, day } = toYmd(date)
  const index = year * 12 + (month - 1) + months
  const targetYear = Math.floor(index / 12)
  const targetMonth = index - targetYear * 12 + 1
  return isoDate(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)))
}

/** 0 = Sunday … 6 = Saturday, like `Date#getDay`. */
export function dayOfWeek(date: IsoDate): number {
  // 1970-01-01 was a Thursday.
  return (((toDayNumber(date) + 4) % 7) + 7) % 7
}

/** Meeus/Butcher ("anonymous Gregorian") algorithm; Gregorian years only. */
export function easterSunday(year: number): IsoDate {
  if (!Number.isInteger(year) || year < 1583 || year > 9999) throw new RangeError(`year out of the Gregorian range: ${year}`)
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const n = h + l - 7 * m + 114
  return isoDate(year, Math.floor(n / 31), (n % 31) + 1)
}

/**
 * Public holidays of metropolitan France (Code du travail L3133-1), the calendar CPC art. 642
 * refers to for a deadline that "expire un jour férié". The liquidator sits in Bordeaux, so this
 * is the list that applies to our procedure. Alsace-Moselle adds Good Friday and 26 December
 * (see `alsaceMoselleExtraHolidays`); each overseas territory adds its own day for the abolition
 * of slavery: pass such days in `extra` when a deadline must honour them.
 * Whit Monday stays listed: the "journée de solidarité" may be worked, but the day is still férié.
 */
export function frenchPublicHolidays(year: number, extra: readonly IsoDate[] = []): IsoDate[] {
  const easter = easterSunday(year)
  const fixed = ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'].map((monthDay) => `${year}-${monthDay}`)
  const movable = [1, 39, 50].map((offset) => addDays(easter, offset)) // Easter Monday, Ascension, Whit Monday
  const extraThisYear = extra.filter((date) => toYmd(date).year === year)
  return [...new Set([...fixed, ...movable, ...extraThisYear])].sort()
}

/** Good Friday and Saint Stephen's Day, public holidays only in Moselle, Bas-Rhin and Haut-Rhin. */
export function alsaceMoselleExtraHolidays(year: number): IsoDate[] {
  return [addDays(easterSunday(year), -2), `${year}-12-26`]
}

const holidayCache = new Map<number, ReadonlySet<IsoDate>>()

function metropolitanHolidays(year: number): ReadonlySet<IsoDate> {
  let holidays = holidayCache.get(year)
  if (holidays === undefined) {
    holidays = new Set(frenchPublicHolidays(year))
    holidayCache.set(year, holidays)
  }
  return holidays
}

export interface HolidayOptions {
  /** Local public holidays on top of the metropolitan list (Alsace-Moselle, overseas). */
  readonly extraHolidays?: readonly IsoDate[]
}

export function isPublicHoliday(date: IsoDate, options: HolidayOptions = {}): boolean {
  return metropolitanHolidays(toYmd(date).year).has(date) || (options.extraHolidays ?? []).includes(date)
}

/** Monday to Friday and not a public holiday ("jour ouvrable" in the sense CPC 642 is applied). */
export function isWorkingDay(date: IsoDate, options: HolidayOptions = {}): boolean {
  const weekday = dayOfWeek(date)
  return weekday !== 0 && weekday !== 6 && !isPublicHoliday(date, options)
}

/**
 * CPC art. 642 al. 2: a deadline that would expire on a Saturday, Sunday or public holiday is
 * extended to the next working day. A working day is returned unchanged.
 */
export function nextWorkingDay(date: IsoDate, options: HolidayOptions = {}): IsoDate {
  let day = date
  while (!isWorkingDay(day, options)) day = addDays(day, 1)
  return day
}

const parisDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

/** The calendar date in Paris at this instant (23:30 UTC on 31 December is already 1 January in Paris). */
export function parisDateOf(instant: Date): IsoDate {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid Date')
  const parts = parisDateFormat.formatToParts(instant)
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value)
  return isoDate(part('year'), part('month'), part('day'))
}

/** Today in Paris; the clock is a parameter so that deadline logic stays testable. */
export function todayInParis(now: Date): IsoDate {
  return parisDateOf(now)
}

export type DateInputErrorCode = 'empty' | 'invalid_format' | 'two_digit_year' | 'nonexistent_date'
export type DateInputError = InputError<DateInputErrorCode>

/** Reads "16/01/2024" (also "16/1/2024", "16.01.2024", "16-01-2024") or an ISO "2024-01-16" from a date field. */
export function parseFrenchDate(input: string): Result<IsoDate, DateInputError> {
  const text = input.trim().replace(/\s*([/.-])\s*/gu, '$1')
  if (text === '') return fail('empty', 'Saisissez une date au format jj/mm/aaaa, par exemple 16/01/2024.')
  const iso = ISO_PATTERN.exec(text)
  const french = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})$/.exec(text)
  const [day, month, year] = iso !== null ? [iso[3], iso[2], iso[1]] : [french?.[1], french?.[3], french?.[4]]
  if (day === undefined || month === undefined || year === undefined) {
    return fail('invalid_format', `« ${input.trim()} » n’est pas une date au format jj/mm/aaaa (par exemple 16/01/2024).`)
  }
  if (year.length === 2) {
    return fail('two_digit_year', `Dans « ${input.trim()} », écrivez l’année en entier (par exemple 2024 plutôt que 24).`)
  }
  if (!isValidDay(Number(year), Number(month), Number(day))) {
    return fail('nonexistent_date', `La date « ${input.trim()} » n’existe pas dans le calendrier.`)
  }
  return ok(isoDate(Number(year), Number(month), Number(day)))
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre']

/** "16 janvier 2024" ("1er janvier 2024", as French writes the first of the month) or short "16/01/2024". */
export function formatFrenchDate(date: IsoDate, style: 'long' | 'short' = 'long'): string {
  const { year, month, day } = toYmd(date)
  if (style === 'short') return `${String(day).padStart(2, '0')}/${String(month).padStart(2, '0')}/${year}`
  return `${day === 1 ? '1er' : day} ${MONTHS[month - 1]} ${year}`
}
