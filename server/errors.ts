// Errors that a person can act on. Services throw DomainError with a stable machine code and a
// French message; the HTTP layer turns it into problem+json (API) or an error page (web).

export type FieldError = {
  /** Where: a field path ("siret"), or a location in a file ("ligne 12, colonne B"). */
  path: string
  message: string
}

const STATUS_BY_KIND = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported: 415,
  rate_limited: 429,
  unavailable: 503,
} as const

export type ErrorKind = keyof typeof STATUS_BY_KIND

export class DomainError extends Error {
  override name = 'DomainError'
  readonly code: string
  readonly kind: ErrorKind
  readonly errors: FieldError[]

  constructor(kind: ErrorKind, code: string, message: string, errors: FieldError[] = []) {
    super(message)
    this.kind = kind
    this.code = code
    this.errors = errors
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind]
  }
}

export type Problem = {
  type: string
  title: string
  status: number
  code: string
  detail?: string
  instance?: string
  requestId?: string
  errors?: FieldError[]
}
