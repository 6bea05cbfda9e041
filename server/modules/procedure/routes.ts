// The administrator's page for the procedure's settings.
import type { FastifyPluginAsync } from 'fastify'
import { formatFrenchDate } from '../../lib/calendar.ts'
import { formatDecimal } from '../../lib/money.ts'
import { emptyForm, field, rerender } from '../../routes/forms.ts'
import { auditContext } from '../../plugins/app/auth.ts'
import { currentProcedure } from '../claims/service.ts'
import { updateProcedureSettings, type ProcedureSettingsInput } from './service.ts'
import type { ProcedureEntity } from './entities.ts'

const MANAGE = { config: { access: { action: 'admin.procedure.manage' } }, schema: { hide: true } } as const
const TEXT_FIELDS = ['court', 'bodaccPublicationDate', 'liquidatorName', 'liquidatorAddress', 'liquidatorEmail', 'faceValue', 'identifierPattern', 'identifierExample', 'programmes'] as const

function formValues(p: ProcedureEntity) {
  return {
    court: p.court ?? '',
    bodaccPublicationDate: p.bodaccPublicationDate ? formatFrenchDate(p.bodaccPublicationDate, 'short') : '',
    liquidatorName: p.liquidatorName ?? '',
    liquidatorAddress: p.liquidatorAddress ?? '',
    liquidatorEmail: p.liquidatorEmail ?? '',
    faceValue: formatDecimal(p.faceValueCents),
    identifierPattern: p.identifierPattern,
    identifierExample: p.identifierExample,
    identifierUppercase: p.identifierUppercase,
    identifierStripSeparators: p.identifierStripSeparators,
    programmes: p.programmes.join(', '),
  }
}

const routes: FastifyPluginAsync = async (app) => {
  app.get('/admin/procedure', MANAGE, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    return reply.page('admin/procedure', { title: 'Procédure', procedure, judgment: formatFrenchDate(procedure.judgmentDate), form: emptyForm(formValues(procedure)) })
  })

  app.post('/admin/procedure', MANAGE, async (request, reply) => {
    const procedure = await currentProcedure(request.em)
    const input = {
      ...Object.fromEntries(TEXT_FIELDS.map((k) => [k, field(request.body, k)])),
      identifierUppercase: field(request.body, 'identifierUppercase') === 'on',
      identifierStripSeparators: field(request.body, 'identifierStripSeparators') === 'on',
    } as ProcedureSettingsInput
    try {
      await request.em.transactional((em) => updateProcedureSettings(em, procedure.id, input, auditContext(request)))
      return reply.flash('Paramètres de la procédure enregistrés ; les délais sont recalculés.').redirect('/admin/procedure')
    } catch (error) {
      return rerender(reply, error, 'admin/procedure', input, { title: 'Procédure', procedure, judgment: formatFrenchDate(procedure.judgmentDate) })
    }
  })
}
export default routes
