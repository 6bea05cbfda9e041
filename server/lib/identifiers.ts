// Identifiers typed by people (SIRET, SIREN) or pasted from a bank document (IBAN, BIC).
// Check digits catch most typos before they reach the liquidator, and each refusal says, in
// French, what is wrong and how to fix it (DOMAIN §6).

import { fail, ok } from './result.ts'
import type { InputError, Result } from './result.ts'

/** 14 digits: SIREN (9) + NIC (5). */
export type Siret = string
/** 9 digits. */
export type Siren = string
/** Compact and upper-case, e.g. "FR7630006000011234567890189". */
export type Iban = string
/** 8 or 11 upper-case characters. */
export type Bic = string

export type SiretErrorCode = 'empty' | 'not_digits' | 'looks_like_siren' | 'wrong_length' | 'checksum'
export type SirenErrorCode = 'empty' | 'not_digits' | 'looks_like_siret' | 'wrong_length' | 'checksum'
export type IbanErrorCode = 'empty' | 'invalid_characters' | 'unsupported_country' | 'wrong_length' | 'checksum'
export type BicErrorCode = 'empty' | 'wrong_length' | 'invalid_format'

/** La Poste numbers its establishments outside the Luhn scheme (more of them than Luhn leaves room for). */
export const LA_POSTE_SIREN = '356000000'
/** La Poste's head office, the one La Poste SIRET that keeps a Luhn key (and fails the digit-sum rule). */
const LA_POSTE_HEAD_OFFICE_SIRET = '35600000000048'

/** Removes what people put between digits: spaces of any kind (incl. U+00A0, U+202F), dots and dashes. */
export function normaliseSiret(input: string): string {
  return input.replace(/[\s.\-\u2010-\u2015\u2212]/gu, '')
}

/** Luhn (mod 10) over a digit string: every second digit from the right is doubled. */
export function luhnValid(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i])
    const weighted = i % 2 === 1 ? digit * 2 : digit
    sum += weighted > 9 ? weighted - 9 : weighted
  }
  return sum % 10 === 0
}

function digitSum(digits: string): number {
  let sum = 0
  for (const digit of digits) sum += Number(digit)
  return sum
}

function siretChecksumValid(siret: Siret): boolean {
  if (siret.startsWith(LA_POSTE_SIREN) && siret !== LA_POSTE_HEAD_OFFICE_SIRET) return digitSum(siret) % 5 === 0
  return luhnValid(siret)
}

export function validateSiret(input: string): Result<Siret, InputError<SiretErrorCode>> {
  const digits = normaliseSiret(input)
  if (digits === '') return fail('empty', 'Saisissez le SIRET de la structure (14 chiffres, inscrits sur l’avis de situation Insee).')
  if (!/^\d+$/.test(digits)) return fail('not_digits', 'Le SIRET ne contient que des chiffres (14) ; retirez les lettres et autres signes.')
  if (digits.length === 9) {
    return fail('looks_like_siren', 'Ceci ressemble à un SIREN (9 chiffres) ; le SIRET en compte 14 : ajoutez les 5 chiffres de l’établissement (NIC).')
  }
  if (digits.length !== 14) return fail('wrong_length', `Le SIRET compte 14 chiffres ; vous en avez saisi ${digits.length}.`)
  if (!siretChecksumValid(digits)) {
    return fail('checksum', 'Ce SIRET n’est pas valide : sa clé de contrôle est fausse. Vérifiez chaque chiffre (une inversion ou une faute de frappe est probable).')
  }
  return ok(digits)
}

export function validateSiren(input: string): Result<Siren, InputError<SirenErrorCode>> {
  const digits = normaliseSiret(input)
  if (digits === '') return fail('empty', 'Saisissez le SIREN (9 chiffres).')
  if (!/^\d+$/.test(digits)) return fail('not_digits', 'Le SIREN ne contient que des chiffres (9) ; retirez les lettres et autres signes.')
  if (digits.length === 14) {
    return fail('looks_like_siret', 'Ceci ressemble à un SIRET (14 chiffres) ; le SIREN en compte 9 : ce sont les 9 premiers chiffres du SIRET.')
  }
  if (digits.length !== 9) return fail('wrong_length', `Le SIREN compte 9 chiffres ; vous en avez saisi ${digits.length}.`)
  if (!luhnValid(digits)) {
    return fail('checksum', 'Ce SIREN n’est pas valide : sa clé de contrôle est fausse. Vérifiez chaque chiffre.')
  }
  return ok(digits)
}

/** The company (SIREN) an establishment (SIRET) belongs to. Expects a SIRET, spaced or not. */
export function sirenOfSiret(siret: Siret): Siren {
  const digits = normaliseSiret(siret)
  if (!/^\d{14}$/.test(digits)) throw new RangeError(`not a SIRET: "${siret}"`)
  return digits.slice(0, 9)
}

/** "843 739 418 00015": the grouping the Insee prints. */
export function formatSiret(siret: Siret): string {
  const digits = normaliseSiret(siret)
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6, 9)} ${digits.slice(9)}`
}

/** "843 739 418": the grouping the Insee prints. */
export function formatSiren(siren: Siren): string {
  const digits = normaliseSiret(siren)
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6, 9)}`
}

/**
 * IBAN lengths (ISO 13616 registry) for the SEPA countries, the ones a transfer from a French
 * public fund can reach. French overseas départements and collectivités use FR IBANs.
 */
export const SEPA_IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AL: 28, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24,
  FI: 18, FR: 27, GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20,
  LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24,
  RS: 22, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
}

/** Strips spaces, dashes and a leading "IBAN" label as printed on a RIB, and upper-cases. */
export function normaliseIban(input: string): string {
  return input.replace(/[\s\-\u2010-\u2015]/gu, '').toUpperCase().replace(/^IBAN:?/u, '')
}

/** ISO 7064 MOD 97-10 remainder of an alphanumeric string, letters counting A = 10 … Z = 35. */
export function mod97(alphanumeric: string): number {
  let remainder = 0
  for (const char of alphanumeric) {
    const value = Number.parseInt(char, 36)
    // Folding one or two digits at a time keeps every intermediate value far below 2^53.
    remainder = value < 10 ? (remainder * 10 + value) % 97 : (remainder * 100 + value) % 97
  }
  return remainder
}

/** The two check digits that make `country + checkDigits + bban` a valid IBAN. */
export function ibanCheckDigits(country: string, bban: string): string {
  return String(98 - mod97(`${bban}${country}00`)).padStart(2, '0')
}

export function validateIban(input: string): Result<Iban, InputError<IbanErrorCode>> {
  const iban = normaliseIban(input)
  if (iban === '') return fail('empty', 'Saisissez l’IBAN du compte (il commence par FR76 pour un compte en France).')
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) {
    return fail('invalid_characters', 'Un IBAN commence par deux lettres (le pays) et deux chiffres, suivis de chiffres et de lettres uniquement.')
  }
  const country = iban.slice(0, 2)
  const expectedLength = SEPA_IBAN_LENGTHS[country]
  if (expectedLength === undefined) {
    return fail('unsupported_country', `L’IBAN commence par « ${country} » : seuls les comptes de la zone SEPA sont acceptés.`)
  }
  if (iban.length !== expectedLength) {
    return fail('wrong_length', `Un IBAN ${country} compte ${expectedLength} caractères ; celui-ci en a ${iban.length}. Vérifiez qu’il est complet.`)
  }
  const checkDigits = iban.slice(2, 4)
  // 00, 01 and 99 can satisfy MOD 97 but are never issued (ISO 13616 uses 02–98).
  if (checkDigits === '00' || checkDigits === '01' || checkDigits === '99' || mod97(`${iban.slice(4)}${iban.slice(0, 4)}`) !== 1) {
    return fail('checksum', 'Cet IBAN n’est pas valide : sa clé de contrôle ne correspond pas. Recopiez-le depuis le RIB, chiffre par chiffre.')
  }
  return ok(iban)
}

/** "FR76 3000 6000 0112 3456 7890 189": the paper format, groups of four. */
export function formatIban(iban: Iban): string {
  return normaliseIban(iban).replace(/(.{4})(?=.)/gu, '$1 ')
}

/** "FR76 **** **** **** **** ***0 189": enough to recognise an account, not to use it. */
export function maskIban(iban: Iban): string {
  const compact = normaliseIban(iban)
  if (compact.length <= 8) return formatIban(compact)
  return formatIban(`${compact.slice(0, 4)}${'*'.repeat(compact.length - 8)}${compact.slice(-4)}`)
}

export function normaliseBic(input: string): string {
  return input.replace(/[\s\-]/gu, '').toUpperCase()
}

/**
 * ISO 9362: 4 characters for the institution (alphanumeric since the 2014 edition, letters in
 * practice), 2 letters for the country, 2 for the location, optionally 3 for the branch.
 */
export function validateBic(input: string): Result<Bic, InputError<BicErrorCode>> {
  const bic = normaliseBic(input)
  if (bic === '') return fail('empty', 'Saisissez le BIC de la banque (8 ou 11 caractères, inscrit sur le RIB).')
  if (bic.length !== 8 && bic.length !== 11) {
    return fail('wrong_length', `Un BIC compte 8 ou 11 caractères ; celui-ci en a ${bic.length}.`)
  }
  if (!/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) {
    return fail('invalid_format', 'Ce BIC n’a pas la bonne forme : 4 caractères pour la banque, 2 lettres pour le pays (FR), puis 2 ou 5 caractères.')
  }
  return ok(bic)
}
