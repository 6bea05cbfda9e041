// Expected failures (bad user input) are values, not exceptions: callers must handle them,
// and the French message can be shown as is next to the field. Exceptions stay for bugs.

export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E }

/** A rejected input: a stable machine code for the API and a French message for people. */
export interface InputError<Code extends string> {
  readonly code: Code
  readonly message: string
}

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value }
}

export function fail<Code extends string>(code: Code, message: string): { readonly ok: false; readonly error: InputError<Code> } {
  return { ok: false, error: { code, message } }
}
