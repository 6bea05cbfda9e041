// What every page needs besides its own data: who is logged in (for the navigation), a CSRF token
// for its forms, and the one-time message left by the previous step (post/redirect/get).
import fp from 'fastify-plugin'
import { Account } from '../../modules/accounts/entities.ts'

const FLASH_COOKIE = 'creances_flash'

export type FieldErrors = Record<string, string>

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a view inside the layout with the navigation, CSRF token and flash message. */
    page(view: string, data?: Record<string, unknown>): Promise<FastifyReply>
    /** Leaves a message for the next page shown to this browser. */
    flash(message: string): FastifyReply
  }
}

const ROLE_LABELS = {
  structure: 'Structure',
  liquidator: 'Liquidateur',
  ministry: 'Ministère',
  admin: 'Administration',
} as const

export default fp<{ secure: boolean }>(
  async (app, options) => {
    app.decorateReply('flash', function (message: string) {
      return this.setCookie(FLASH_COOKIE, message, { path: '/', httpOnly: true, sameSite: 'lax', secure: options.secure, signed: true, maxAge: 60 })
    })
    app.decorateReply('page', async function (view: string, data: Record<string, unknown> = {}) {
      const request = this.request
      let flash: string | null = null
      const raw = request.cookies[FLASH_COOKIE]
      if (raw) {
        const unsigned = request.unsignCookie(raw)
        flash = unsigned.valid ? unsigned.value : null
        this.clearCookie(FLASH_COOKIE, { path: '/' })
      }
      const actor = request.actor
      let me: Record<string, unknown> | null = null
      if (actor.kind === 'account') {
        const account = await request.em.findOne(Account, { id: actor.accountId })
        me = {
          email: account?.email,
          displayName: account?.displayName ?? account?.email,
          role: actor.role,
          roleLabel: ROLE_LABELS[actor.role],
          isStructure: actor.role === 'structure',
          isLiquidator: actor.role === 'liquidator',
          isAdmin: actor.role === 'admin',
          structureId: actor.structureIds[0] ?? null,
        }
      }
      return this.view(view, { ...data, me, flash, csrfToken: this.generateCsrf() })
    })
  },
  { name: 'pages', dependencies: ['auth', 'views'] },
)
