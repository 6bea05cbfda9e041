import type { FastifyPluginAsync } from 'fastify'
import { demoAccounts } from '../../fixtures/demo.ts'
import { formatFrenchDate } from '../lib/calendar.ts'
import { currentTotp } from '../lib/totp.ts'
import { formatSiren } from '../lib/identifiers.ts'
import { formatEuros } from '../lib/money.ts'
import { listProcedures } from '../modules/procedure/service.ts'

// The public home page: what the service is, which procedure it follows, and in demo mode how to try it.
const home: FastifyPluginAsync<{ demo: boolean }> = async (app, { demo }) => {
  app.get('/', { config: { access: { public: true } }, schema: { hide: true } }, async (request, reply) => {
    const procedures = (await listProcedures(request.em)).map((p) => ({
      ...p,
      debtorSiren: formatSiren(p.debtorSiren),
      judgmentDate: formatFrenchDate(p.judgmentDate),
      bodaccPublicationDate: p.bodaccPublicationDate && formatFrenchDate(p.bodaccPublicationDate),
      faceValue: formatEuros(p.faceValueCents),
    }))
    // Demo only: the second factor's current code is shown so that anyone can try a professional account.
    const accounts = demo
      ? demoAccounts().map((a) => ({ ...a, totpCode: a.totpSecret ? currentTotp(a.totpSecret) : null }))
      : []
    return reply.page('home', { title: 'Accueil', procedures, demoAccounts: accounts })
  })
}
export default home
