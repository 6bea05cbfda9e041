import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import view from '@fastify/view'
import fp from 'fastify-plugin'
import Handlebars from 'handlebars'

const webDir = fileURLToPath(new URL('../../../web/', import.meta.url))

// Server-rendered pages: Handlebars views with a layout and partials, plus our static assets.
export default fp<{ demo: boolean; production: boolean }>(
  async (app, options) => {
    await app.register(view, {
      engine: { handlebars: Handlebars.create() },
      root: `${webDir}views`,
      layout: 'layouts/main.hbs',
      viewExt: 'hbs',
      options: { partials: { skipLink: 'partials/skip-link.hbs', header: 'partials/header.hbs', footer: 'partials/footer.hbs' } },
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
