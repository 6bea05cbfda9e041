// Helpers for server-rendered forms: a refused input re-renders the form with each message next
// to its field (and a summary at the top), keeping what the person typed.
import type { FastifyReply } from 'fastify'
import { DomainError } from '../errors.ts'

export type FormState = {
  values: Record<string, unknown>
  errors: Record<string, string>
  errorList: { path: string; message: string }[]
  error: string | null
}

export function emptyForm(values: Record<string, unknown> = {}): FormState {
  return { values, errors: {}, errorList: [], error: null }
}

/** Renders `view` with the error if it is a refusal a person can fix; rethrows anything else. */
export async function rerender(
  reply: FastifyReply,
  error: unknown,
  view: string,
  values: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<FastifyReply> {
  if (!(error instanceof DomainError) || !['invalid', 'conflict', 'forbidden', 'gone', 'rate_limited', 'unauthenticated'].includes(error.kind)) throw error
  const safeValues = Object.fromEntries(Object.entries(values).filter(([k]) => !/password|code|_csrf/i.test(k)))
  const form: FormState = {
    values: safeValues,
    errors: Object.fromEntries(error.errors.map((e) => [e.path, e.message])),
    errorList: error.errors,
    error: error.message,
  }
  if (error.kind === 'rate_limited') reply.header('retry-after', '60')
  return reply.status(error.status).page(view, { ...extra, form })
}

/** Form bodies arrive as flat string maps; anything else is treated as empty. */
export function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}
