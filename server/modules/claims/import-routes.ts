// The import wizard: upload a spreadsheet, check the columns and every row, then import.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { DomainError } from '../../errors.ts'
import { columnLetter } from '../../lib/claim-import.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { emptyForm, rerender } from '../../routes/forms.ts'
import type { EvidenceStore } from '../evidence/store.ts'
import { claimFor } from './access.ts'
import { findEvidence } from './evidence.ts'
import { uploadToClaim } from './upload.ts'
import { COLUMN_ROLES, chosenMapping, commitImport, loadTable, previewImport } from './import.ts'
import { draftVersion } from './service.ts'

type Options = { files: EvidenceStore; limits: { maxFileBytes: number; maxClaimBytes: number } }
const EDIT = { config: { access: { action: 'claim.edit' } }, schema: { hide: true } } as const
const SHOWN_ERRORS = 200

const routes: FastifyPluginAsync<Options> = async (app, { files, limits }) => {
  const audit = auditContext

  async function draftFor(request: FastifyRequest, reply: FastifyReply) {
    const found = await claimFor(request, reply, 'claim.edit')
    if (found) await draftVersion(request.em, found.claim)
    return found
  }

  app.get('/structures/:structureId/declaration/import', EDIT, async (request, reply) => {
    const found = await draftFor(request, reply)
    if (!found) return reply
    return reply.page('claims/import-upload', { title: 'Importer un tableur', ...found, form: emptyForm() })
  })

  app.post('/structures/:structureId/declaration/import', EDIT, async (request, reply) => {
    const found = await draftFor(request, reply)
    if (!found) return reply
    try {
      const [row] = await uploadToClaim(request, files, found.claim, {
        limits,
        maxFiles: 1,
        defaultKind: 'platform_export',
        check: (file) => {
          if (file.ext !== 'csv' && file.ext !== 'xlsx') {
            throw new DomainError('unsupported', 'not_a_spreadsheet', `Ce fichier est ${file.label}, pas un tableur : seuls CSV et XLSX s’importent.`, [{ path: 'file', message: 'CSV ou XLSX attendu' }])
          }
        },
      })
      return reply.redirect(`${found.base}/import/${row?.id}`)
    } catch (error) {
      return rerender(reply, error, 'claims/import-upload', {}, { title: 'Importer un tableur', ...found })
    }
  })

  const preview = async (request: FastifyRequest, reply: FastifyReply, form: Record<string, unknown>, error?: unknown) => {
    const found = await draftFor(request, reply)
    if (!found) return reply
    const evidence = await findEvidence(request.em, found.claim.id, (request.params as { evidenceId: string }).evidenceId)
    if (!evidence) throw new DomainError('not_found', 'evidence_not_found', 'Ce fichier est introuvable dans cette déclaration.')
    const table = await loadTable(files, evidence)
    const mapping = chosenMapping(table, form)
    const result = await previewImport(request.em, found.claim, table, mapping)
    const problems = result.errors.length + result.duplicates.length + result.alreadyDeclared.length
    const data = {
      title: 'Vérifier l’import',
      ...found,
      evidence,
      format: table.format === 'csv' ? `CSV (${table.encoding}, séparateur « ${table.delimiter === '\t' ? 'tabulation' : table.delimiter} »)` : 'XLSX',
      columns: table.header.map((name, i) => ({ index: i, letter: columnLetter(i), name, roles: COLUMN_ROLES.map((r) => ({ ...r, selected: r.value === mapping[i] })) })),
      sample: table.rows.slice(0, 5).map((r) => ({ rowNumber: r.rowNumber, cells: r.cells })),
      rowCount: table.rows.length,
      validCount: result.lines.length - result.alreadyDeclared.length,
      errors: result.errors.slice(0, SHOWN_ERRORS),
      moreErrors: Math.max(0, result.errors.length - SHOWN_ERRORS),
      duplicates: result.duplicates.map((d) => ({ ...d, rows: d.rowNumbers.join(', ') })),
      alreadyDeclared: result.alreadyDeclared,
      problems,
    }
    return error ? rerender(reply, error, 'claims/import-preview', {}, data) : reply.page('claims/import-preview', { ...data, form: emptyForm() })
  }

  app.get('/structures/:structureId/declaration/import/:evidenceId', EDIT, (request, reply) => preview(request, reply, request.query as Record<string, unknown>))

  app.post('/structures/:structureId/declaration/import/:evidenceId', EDIT, async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const found = await draftFor(request, reply)
    if (!found) return reply
    try {
      const evidence = await findEvidence(request.em, found.claim.id, (request.params as { evidenceId: string }).evidenceId)
      if (!evidence) throw new DomainError('not_found', 'evidence_not_found', 'Ce fichier est introuvable dans cette déclaration.')
      const table = await loadTable(files, evidence)
      const result = await request.em.transactional((em) => commitImport(em, found.claim, evidence, table, chosenMapping(table, body), body.onlyValid === 'on', audit(request)))
      return reply.flash(`${result.imported} pass importé(s)${result.skipped ? ` ; ${result.skipped} ligne(s) écartée(s)` : ''}.`).redirect(`${found.base}/lignes`)
    } catch (error) {
      return preview(request, reply, body, error)
    }
  })
}
export default routes
