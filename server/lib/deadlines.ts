// The legal clocks of the procedure (DOMAIN §3). Each deadline is the last day on which the act is
// still in time (CPC 642 al. 1: "tout délai expire le dernier jour à vingt-quatre heures"), already
// moved past weekends and public holidays (CPC 642 al. 2), so callers compare dates and never adjust.

import { addDays, addMonths, daysBetween, nextWorkingDay } from './calendar.ts'
import type { HolidayOptions, IsoDate } from './calendar.ts'

export interface CreditorDeadlineInput extends HolidayOptions {
  /** Publication of the opening (here: liquidation) judgment in the BODACC. */
  readonly bodaccPublication: IsoDate
  /**
   * The creditor does not live in metropolitan France — overseas départements and collectivités,
   * and abroad too. R622-24 al. 2 grants the extra two months to creditors "qui ne demeurent pas"
   * on the territory of the court that opened the procedure; #APTIC's court sits in Bordeaux, so
   * that territory is metropolitan France. (An overseas court would flip the rule, R622-24 al. 3.)
   */
  readonly overseas: boolean
}

export interface CreditorDeadlines {
  /** Last day to declare the claim (L622-24, R622-24). */
  readonly claimDeadline: IsoDate
  /** Last day to ask the juge-commissaire for relief from foreclosure (L622-26). */
  readonly reliefDeadline: IsoDate
}

/** R622-24 al. 1 and 2: two months from the BODACC publication, "augmenté de deux mois" outside metropolitan France. */
export function claimDeadlineMonths(overseas: boolean): 2 | 4 {
  return overseas ? 4 : 2
}

// The whole period is counted from the publication in one step (CPC 641): +4 months, not +2 then +2,
// which would differ after a short month; only the final day is moved (CPC 642).
function monthsAfter(start: IsoDate, months: number, options: HolidayOptions): IsoDate {
  return nextWorkingDay(addMonths(start, months), options)
}

/** L622-24 and R622-24: the date by which the claim must reach the liquidator. */
export function claimDeadline(input: CreditorDeadlineInput): IsoDate {
  return monthsAfter(input.bodaccPublication, claimDeadlineMonths(input.overseas), input)
}

/**
 * L622-26 al. 3: the action for relief from foreclosure must be brought within six months of the
 * publication of the opening judgment. R622-24's overseas extension concerns the declaration
 * period only, so the six months are the same for every creditor. A creditor who could not know
 * of its claim in time has six months from when it could no longer ignore it: that is a judge's
 * call on the facts, recorded by the liquidator, not something this function can compute.
 */
export function reliefDeadline(bodaccPublication: IsoDate, options: HolidayOptions = {}): IsoDate {
  return monthsAfter(bodaccPublication, 6, options)
}

export function creditorDeadlines(input: CreditorDeadlineInput): CreditorDeadlines {
  return { claimDeadline: claimDeadline(input), reliefDeadline: reliefDeadline(input.bodaccPublication, input) }
}

/**
 * L622-24 al. 1: once relieved from foreclosure, the periods run from the notification of the
 * decision "et sont alors réduits de moitié" — one month, two outside metropolitan France.
 */
export function postReliefClaimDeadline(reliefNotification: IsoDate, overseas: boolean, options: HolidayOptions = {}): IsoDate {
  return monthsAfter(reliefNotification, claimDeadlineMonths(overseas) / 2, options)
}

/**
 * L622-27 and R624-1: the creditor has thirty days from receipt of the liquidator's contestation
 * letter to answer. The day of receipt does not count (CPC 641 al. 1): received on 1 March, the last
 * day is 31 March (then moved past a weekend or holiday).
 */
export function answerDeadline(receiptDate: IsoDate, options: HolidayOptions = {}): IsoDate {
  return nextWorkingDay(addDays(receiptDate, 30), options)
}

/**
 * R624-8: anyone concerned may object to the statement of claims (état des créances) within one
 * month of the BODACC notice of its deposit at the court registry.
 */
export function objectionDeadline(publication: IsoDate, options: HolidayOptions = {}): IsoDate {
  return monthsAfter(publication, 1, options)
}

export type ClaimWindow = 'open' | 'late_relief_possible' | 'foreclosed'

export type DeadlineStatus =
  /** A claim can be filed; `daysRemaining` counts down to 0 on the last day, which is still in time. */
  | { readonly status: 'open'; readonly deadline: IsoDate; readonly daysRemaining: number }
  /** Late: a claim can be prepared with a relief request until `deadline` (L622-26). */
  | { readonly status: 'late_relief_possible'; readonly deadline: IsoDate; readonly daysRemaining: number }
  /** Past the six months: `deadline` is the relief deadline that has passed, `daysLate` the days since. */
  | { readonly status: 'foreclosed'; readonly deadline: IsoDate; readonly daysLate: number }

/** Where a creditor stands on `today` (a Paris calendar date, see `todayInParis`). */
export function deadlineStatus(today: IsoDate, deadlines: CreditorDeadlines): DeadlineStatus {
  const toClaim = daysBetween(today, deadlines.claimDeadline)
  if (toClaim >= 0) return { status: 'open', deadline: deadlines.claimDeadline, daysRemaining: toClaim }
  const toRelief = daysBetween(today, deadlines.reliefDeadline)
  if (toRelief >= 0) return { status: 'late_relief_possible', deadline: deadlines.reliefDeadline, daysRemaining: toRelief }
  return { status: 'foreclosed', deadline: deadlines.reliefDeadline, daysLate: -toRelief }
}

/** Days left to answer a contestation: 0 on the last day, negative once the window has closed. */
export function answerDaysRemaining(today: IsoDate, deadline: IsoDate): number {
  return daysBetween(today, deadline)
}
