// The liquidator reads and exports the history of any entity (a claim, a structure, an account).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { stringify } from 'csv-stringify/sync'
import { listHistory } from './history.ts'

const READ = { access: { action: 'audit.read' } } as const

function filter(request: FastifyRequest) {
  const q = request.query as Record<string, unknown>
  const type = typeof q.type === 'string' && /^[a-z_]{1,40}$/.test(q.type) ? q.type : null
  const id = typeof q.id === 'string' && /^[\w-]{1,64}$/.test(q.id) ? q.id : null
  return { entityType: type, entityId: id }
}

const routes: FastifyPluginAsync = async (app) => {
  app.get('/historique', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const f = filter(request)
    const events = await listHistory(request.em, f, 500)
    const query = new URLSearchParams(Object.entries({ type: f.entityType ?? '', id: f.entityId ?? '' }).filter(([, v]) => v)).toString()
    return reply.page('audit/history', { title: 'Historique', events, filter: f, csvLink: `/historique.csv${query ? '?' + query : ''}` })
  })

  app.get('/historique.csv', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const events = await listHistory(request.em, filter(request), 100_000)
    const rows = events.map((e) => [e.id, e.occurredAtIso, e.actorLabel, e.actorRole, e.action, e.entityType, e.entityId, e.beforeJson, e.afterJson, e.requestId ?? '', e.hash])
    // French spreadsheet conventions: semicolons and a BOM so that Excel reads UTF-8.
    const csv = '\uFEFF' + stringify([['n°', 'date', 'auteur', 'rôle', 'action', 'type', 'identifiant', 'avant', 'après', 'requête', 'empreinte SHA-256'], ...rows], { delimiter: ';' })
    return reply
      .header('content-disposition', 'attachment; filename="historique.csv"')
      .type('text/csv; charset=utf-8')
      .send(csv)
  })
}
export default routes
