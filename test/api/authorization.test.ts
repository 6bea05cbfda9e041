// Every registered route × every actor answers what the policy decides, and a refusal leaks nothing
// about the structure asked for. Routes are collected as they are registered (see authz-routes.ts),
// so a route added later is covered without touching this file.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { SESSION_COOKIE, type Access } from '../../server/plugins/app/auth.ts'
import { ACTIONS, decide, type Actor, type Decision } from '../../server/modules/accounts/policy.ts'
import { Membership, Structure } from '../../server/modules/structures/entities.ts'
import { buildTestApp } from '../helpers/app.ts'
import { recordRoutes, type RecordedRoute } from '../helpers/authz-routes.ts'
import { makeWorld, type Persona } from '../helpers/authz-world.ts'

const recorder = recordRoutes()
t.teardown(recorder.stop)

/** Routes added by third-party plugins (API documentation, static files): public, checked apart. */
const PLUGIN_ROUTES = /^\/(docs|static)(\/|$)/
/** Resource routes: the handler asks the policy again with the structure in the URL (structureFor). */
const STRUCTURE_ROUTE = /^\/structures\/:structureId(\/|$)/
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])

type Denial = Exclude<Decision, 'allow'>
type Verdict = Decision | 'server_error'
const STATUS: Record<Denial, number> = { unauthenticated: 401, mfa_required: 401, forbidden: 403, not_found: 404 }
const CODE: Record<string, Denial> = { authentication_required: 'unauthenticated', mfa_required: 'mfa_required', forbidden: 'forbidden', not_found: 'not_found' }
// The pages deny() renders (error.hbs shows the detail, not the code); the 404 text is also the
// unknown-URL one, on purpose. A sub-resource's own 404 (join request not found) is not a denial.
const FORBIDDEN_TEXT = 'Votre rôle ne permet pas cette action.'
const NOT_FOUND_TEXT = 'est pas accessible.'
const CSRF_REFUSAL = /csrf_invalid|formulaire a expiré/

/** What the policy says `actor` gets on `route` at `structureId` (the id in the URL, if any). */
function expected(access: Access, actor: Actor, structureId: string | null): Decision | 'public' {
  if ('public' in access) return 'public'
  const first = decide(actor, access.action, undefined, { allowPendingMfa: access.allowPendingMfa })
  return first === 'allow' && structureId !== null ? decide(actor, access.action, { structureId }) : first
}

/** Reads the answer back as a policy decision: a denial (as deny() sends it) or 'allow' (anything else). */
function verdict(res: LightMyRequestResponse, page: boolean, url: string): Verdict {
  if (res.statusCode >= 500) return 'server_error'
  if (page) {
    const location = String(res.headers.location ?? '')
    if (res.statusCode === 302 && location === `/connexion?suite=${encodeURIComponent(url)}`) return 'unauthenticated'
    if (res.statusCode === 302 && location === '/connexion/second-facteur') return 'mfa_required'
    if (res.statusCode === 403 && res.body.includes(FORBIDDEN_TEXT)) return 'forbidden'
    return res.statusCode === 404 && res.body.includes(NOT_FOUND_TEXT) ? 'not_found' : 'allow'
  }
  let code = ''
  if (String(res.headers['content-type']).startsWith('application/problem+json')) code = String((res.json() as { code?: unknown }).code)
  const denial = CODE[code]
  return denial && STATUS[denial] === res.statusCode ? denial : 'allow'
}

t.test('every route answers every actor as the policy decides, and refusals leak nothing', async (t) => {
  const { app, runtime } = await buildTestApp(t)
  await app.ready()
  const world = await makeWorld(runtime.orm)
  const A = world.structureA.id

  const all = recorder.routesOf(app)
  const routes = all
    .filter((r) => r.method !== 'HEAD' && !PLUGIN_ROUTES.test(r.url))
    .sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))
  t.ok(routes.length >= 20, `${routes.length} application routes collected`)
  t.ok(routes.some((r) => r.method === 'GET' && r.url === '/structures/:structureId/membres'), 'the members page is among them')
  t.ok(routes.some((r) => r.method === 'POST' && r.url === '/structures/:structureId/banque'), 'the bank details form is among them')
  const name = (r: RecordedRoute) => `${r.method} ${r.url}`
  t.same(all.filter((r) => !app.hasRoute({ method: r.method, url: r.url })).map(name), [], 'every recorded route is one the router serves')
  const declares = (access: Access | undefined) => !!access && ('public' in access ? access.public === true : ACTIONS.includes(access.action))
  t.same(routes.filter((r) => !declares(r.options.config?.access)).map(name), [], 'every route declares its access (config.access)')

  // One CSRF secret and token for all: a refusal must come from the policy, not from a missing token.
  const login = await app.inject({ method: 'GET', url: '/connexion', headers: { accept: 'text/html' } })
  const csrfCookie = [login.headers['set-cookie']].flat().map(String).find((c) => c.startsWith('creances_csrf='))?.split(';')[0]
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1]
  t.ok(csrfCookie && csrfToken, 'a CSRF secret and token are obtained from the login page')

  // Path parameters: the structure asked for, a join request of B (a foreign sub-resource), else random.
  const fill = (url: string, structureId: string) => url
    .replace(':structureId', structureId).replace(':membershipId', world.joinRequestB.id)
    .replace(/:\w+/g, () => randomUUID()).replace('*', 'x')
  async function ask(route: RecordedRoute, persona: Persona, url: string, page: boolean) {
    const cookies = [csrfCookie ?? '']
    const token = await world.sessionToken(persona)
    if (token) cookies.push(`${SESSION_COOKIE}=${token}`)
    const unsafe = !SAFE.has(route.method)
    return app.inject({
      method: route.method,
      url,
      headers: {
        accept: page ? 'text/html' : 'application/json',
        cookie: cookies.join('; '),
        ...(unsafe ? { 'content-type': 'application/x-www-form-urlencoded', 'csrf-token': csrfToken ?? '' } : {}),
      },
      ...(unsafe ? { payload: `_csrf=${encodeURIComponent(csrfToken ?? '')}` } : {}),
    })
  }
  // Whoever may not read A learns nothing of it, from any route, public ones included. Spelt out,
  // so that a change of the policy cannot quietly shrink what this test protects.
  const outsiders = new Set(world.personas.filter((p) => decide(p.actor, 'structure.read', { structureId: A }) !== 'allow'))
  t.same([...outsiders].map((p) => p.name), ['anonymous', 'member of foreign B', 'ministry', 'liquidator before second factor'], 'who may not read A')

  let combinations = 0
  let leaks = 0
  const leaked = (res: LightMyRequestResponse) => {
    const found = world.secretsOfA.filter((s) => res.body.includes(s) || String(res.headers.location ?? '').includes(s))
    leaks += found.length
    return found
  }
  const tally: Record<string, number> = {}
  for (const route of routes) {
    await t.test(`${route.method} ${route.url}`, async (t) => {
      const access = route.options.config?.access as Access
      const scoped = STRUCTURE_ROUTE.test(route.url)
      const url = fill(route.url, A)
      // A page route is asked twice: as a browser (text/html) and as a client of the API.
      const kinds = url.startsWith('/api/') ? [false] : [true, false]
      for (const persona of world.personas) {
        const want = expected(access, persona.actor, scoped ? A : null)
        for (const page of kinds) {
          const label = `${route.method} ${route.url} as ${persona.name} (${page ? 'page' : 'API'})`
          const res = await ask(route, persona, url, page)
          const got = verdict(res, page, url)
          combinations++
          tally[want] = (tally[want] ?? 0) + 1
          t.not(got, 'server_error', `${label}: no server error (${res.statusCode})`)
          if (outsiders.has(persona) || (want !== 'allow' && want !== 'public')) t.same(leaked(res), [], `${label}: nothing about structure A`)
          if (want === 'public') continue
          t.equal(got, want, `${label}: the policy says ${want} (got ${res.statusCode})`)
          // A sub-resource named by a random id (a file, a line) may be missing: its own 404 is no denial.
          const subResource = /:(?!structureId)\w+/.test(route.url)
          if (want === 'allow' && SAFE.has(route.method)) {
            t.ok(scoped && !subResource ? res.statusCode === 200 : res.statusCode < 400 || (subResource && res.statusCode === 404), `${label}: served (${res.statusCode})`)
          }
          else if (want === 'allow') t.notMatch(res.body, CSRF_REFUSAL, `${label}: reaches the handler (the CSRF token is accepted)`)
        }
      }
      if (!scoped || 'public' in access) return
      // No existence oracle: for the member of B, A's id, an unknown id and garbage answer alike.
      const memberB = world.personas.find((p) => p.name === 'member of foreign B') as Persona
      for (const page of kinds) {
        const foreign = await ask(route, memberB, url, page)
        for (const other of [fill(route.url, randomUUID()), fill(route.url, 'not-a-uuid')]) {
          const unknown = await ask(route, memberB, other, page)
          combinations++
          t.equal(unknown.statusCode, foreign.statusCode, `${route.method} ${other} as member of foreign B (${page ? 'page' : 'API'}): same status as A's`)
          t.equal(verdict(unknown, page, other), verdict(foreign, page, url), 'and the same answer')
        }
      }
    })
  }

  // Third-party plugin routes are public by nature: an anonymous visitor is never sent to log in.
  for (const route of all.filter((r) => r.method === 'GET' && PLUGIN_ROUTES.test(r.url) && !r.url.includes(':'))) {
    const res = await app.inject({ method: 'GET', url: route.url.replace('*', 'app.css') })
    t.ok(res.statusCode < 500 && res.statusCode !== 401 && res.statusCode !== 403, `${route.method} ${route.url} is public (${res.statusCode})`)
  }

  // Nothing of B changed, though every actor posted to every form with a valid CSRF token.
  const em = runtime.orm.em.fork()
  t.equal((await em.findOneOrFail(Membership, { id: world.joinRequestB.id })).status, 'pending', "B's join request is still pending")
  t.equal((await em.findOneOrFail(Structure, { id: world.structureB.id })).iban, null, "B's bank details are untouched")

  t.comment(`authorization: ${routes.length} routes × ${world.personas.length} actors, ${combinations} combinations checked ` +
    `(${Object.entries(tally).map(([k, n]) => `${k} ${n}`).join(', ')}), ${leaks} leaks`)
})
