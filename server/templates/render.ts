// Wording lives in claims-templates/ so that non-developers can edit it; code only supplies data.
// One Handlebars instance for documents and mails, with the French formatting helpers.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Handlebars from 'handlebars'

export const templatesRoot = fileURLToPath(new URL('../../claims-templates/', import.meta.url))

export type TemplateEngine = {
  render: (relativePath: string, data: object) => string
  exists: (relativePath: string) => boolean
}

export function createTemplateEngine(
  root: string = templatesRoot,
  helpers: Record<string, Handlebars.HelperDelegate> = {},
): TemplateEngine {
  const hbs = Handlebars.create()
  for (const [name, fn] of Object.entries(helpers)) hbs.registerHelper(name, fn)
  const cache = new Map<string, Handlebars.TemplateDelegate>()
  const compile = (relativePath: string) => {
    let template = cache.get(relativePath)
    if (!template) {
      template = hbs.compile(readFileSync(join(root, relativePath), 'utf8'), { strict: true })
      cache.set(relativePath, template)
    }
    return template
  }
  return {
    render: (relativePath, data) => compile(relativePath)(data),
    exists: (relativePath) => existsSync(join(root, relativePath)),
  }
}
