import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import view from '@fastify/view'
import fp from 'fastify-plugin'
import Handlebars from 'handlebars'

function handlebars() {
  const hbs = Handlebars.create()
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b)
  hbs.registerHelper('array', (...args: unknown[]) => args.slice(0, -1))
  // aria-invalid and aria-describedby tie an error message to its field (RGAA 11.10).
  hbs.registerHelper('invalid', (errors: Record<string, string> | undefined, name: string) =>
    errors?.[name] ? new Handlebars.SafeString(` aria-invalid="true" aria-describedby="${name}-erreur"`) : '',
  )
  hbs.registerHelper('fieldError', (errors: Record<string, string> | undefined, name: string) =>
    errors?.[name]
      ? new Handlebars.SafeString(`<p class="field-error" id="${name}-erreur">${Handlebars.escapeExpression(errors[name])}</p>`)
      : '',
  )
  return hbs
}

const webDir = fileURLToPath(new URL('../../../web/', import.meta.url))

// Server-rendered pages: Handlebars views with a layout and partials, plus our static assets.
export default fp<{ demo: boolean; production: boolean }>(
  async (app, options) => {
    await app.register(view, {
      engine: { handlebars: handlebars() },
      root: `${webDir}views`,
      layout: 'layouts/main.hbs',
      viewExt: 'hbs',
      options: {
        partials: {
          skipLink: 'partials/skip-link.hbs',
          header: 'partials/header.hbs',
          footer: 'partials/footer.hbs',
          messages: 'partials/messages.hbs',
          csrf: 'partials/csrf.hbs',
          claimFigures: 'partials/claim-figures.hbs',
        },
      },
      defaultContext: { demo: options.demo, lang: 'fr' },
      production: options.production,
    })
    await app.register(fastifyStatic, {
      root: `${webDir}public`,
      prefix: '/static/',
      maxAge: options.production ? '1d' : 0,
    })
  },
  { name: 'views' },
)
