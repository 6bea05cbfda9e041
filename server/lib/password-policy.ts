// What makes an acceptable password (OWASP ASVS 4, V2.1): at least 12 characters, up to 128,
// any character allowed, not a common or breached password, not guessable from the account's
// own words. Strength is judged by zxcvbn with its common-password lists, feedback in French.
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { adjacencyGraphs, dictionary as commonDictionary } from '@zxcvbn-ts/language-common'
import { dictionary as frenchDictionary, translations } from '@zxcvbn-ts/language-fr'
import { fail, ok, type InputError, type Result } from './result.ts'

export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 128
/** zxcvbn score (0–4) required: 3 is "safely unguessable: moderate protection from offline attacks". */
const MIN_SCORE = 3

let factory: ZxcvbnFactory | undefined
const checker = () =>
  (factory ??= new ZxcvbnFactory({
    dictionary: { ...commonDictionary, ...frenchDictionary },
    graphs: adjacencyGraphs,
    translations,
  }))

export type PasswordErrorCode = 'too_short' | 'too_long' | 'too_weak'

/** `context`: words tied to the account (email, names, SIRET) that must not carry the password. */
export function checkPassword(password: string, context: string[] = []): Result<string, InputError<PasswordErrorCode>> {
  const length = [...password].length
  if (length < PASSWORD_MIN_LENGTH) {
    return fail('too_short', `Le mot de passe doit compter au moins ${PASSWORD_MIN_LENGTH} caractères (il en a ${length}).`)
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return fail('too_long', `Le mot de passe ne peut dépasser ${PASSWORD_MAX_LENGTH} caractères.`)
  }
  const words = context.flatMap((w) => w.toLowerCase().split(/[^\p{L}\p{N}]+/u)).filter((w) => w.length >= 3)
  const result = checker().check(password, words)
  if (result.score < MIN_SCORE) {
    const hints = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ')
    return fail('too_weak', `Ce mot de passe est trop facile à deviner.${hints ? ' ' + hints : ''} Une phrase de plusieurs mots est un bon choix.`)
  }
  return ok(password)
}
