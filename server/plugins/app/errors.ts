import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { DomainError, type FieldError, type Problem } from '../../errors.ts'

const TITLES: Record<number, string> = {
  400: 'Requête invalide',
  401: 'Authentification requise',
  403: 'Accès refusé',
  404: 'Page ou ressource introuvable',
  405: 'Méthode non autorisée',
  409: 'Conflit',
  410: 'Ressource expirée',
  413: 'Contenu trop volumineux',
  415: 'Type de contenu non pris en charge',
  429: 'Trop de requêtes',
  500: 'Erreur interne',
  503: 'Service momentanément indisponible',
}

const wantsHtml = (request: FastifyRequest) =>
  !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html')

function toProblem(error: FastifyError | DomainError | Error, request: FastifyRequest): Problem {
  if (error instanceof DomainError) {
    return {
      type: `urn:creances:problem:${error.code}`,
      title: TITLES[error.status] ?? 'Erreur',
      status: error.status,
      code: error.code,
      detail: error.message,
      ...(error.errors.length ? { errors: error.errors } : {}),
    }
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const errors: FieldError[] = error.validation.map((v) => ({
      path: [error.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'valeur invalide',
    }))
    return {
      type: 'urn:creances:problem:validation_failed',
      title: TITLES[400] as string,
      status: 400,
      code: 'validation_failed',
      detail: 'Certaines valeurs envoyées sont invalides : corrigez les champs indiqués.',
      errors,
    }
  }
  if ('code' in error && typeof error.code === 'string' && error.code.startsWith('FST_CSRF_')) {
    return {
      type: 'urn:creances:problem:csrf_invalid',
      title: TITLES[403] as string,
      status: 403,
      code: 'csrf_invalid',
      detail: 'Le formulaire a expiré ou ne provient pas de ce site. Rechargez la page et recommencez.',
    }
  }
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
  if (status >= 500) {
    // Never leak internals: the request id lets an administrator find the cause in the logs.
    return {
      type: 'urn:creances:problem:internal_error',
      title: TITLES[status] ?? (TITLES[500] as string),
      status,
      code: status === 503 ? 'unavailable' : 'internal_error',
      detail: `Une erreur inattendue est survenue. Réessayez ; si elle persiste, communiquez la référence ${request.id}.`,
    }
  }
  const code = 'code' in error && typeof error.code === 'string' ? error.code.toLowerCase() : 'bad_request'
  return {
    type: `urn:creances:problem:${code}`,
    title: TITLES[status] ?? 'Erreur',
    status,
    code,
    detail: error.message,
  }
}

async function send(problem: Problem, request: FastifyRequest, reply: FastifyReply) {
  const full: Problem = { ...problem, instance: request.url, requestId: String(request.id) }
  reply.status(full.status)
  if (wantsHtml(request)) {
    // With the navigation of the person logged in when possible; a bare page if that fails too
    // (the database may be what failed).
    if (full.status < 500 && typeof reply.page === 'function') {
      try {
        return await reply.page('error', { title: full.title, problem: full })
      } catch {
        // fall through to the bare page
      }
    }
    return reply.view('error', { title: full.title, problem: full })
  }
  return reply.type('application/problem+json; charset=utf-8').send(full)
}

export default fp(
  async (app) => {
    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      const problem = toProblem(error, request)
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed')
      else request.log.info({ code: problem.code }, 'request refused')
      return send(problem, request, reply)
    })
    app.setNotFoundHandler(async (request, reply) =>
      send(
        {
          type: 'urn:creances:problem:not_found',
          title: TITLES[404] as string,
          status: 404,
          code: 'not_found',
          detail: "L'adresse demandée n'existe pas ou n'est pas accessible.",
        },
        request,
        reply,
      ),
    )
  },
  { name: 'errors', dependencies: ['views'] },
)
