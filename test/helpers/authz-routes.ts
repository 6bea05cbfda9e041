// Every route an application registers, with its options (config.access included), read through
// Fastify's documented 'fastify.initialization' diagnostics channel: it hands over each new instance
// before any plugin loads, so an onRoute hook added there sees every route, those added later too.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyInstance, HTTPMethods, RouteOptions } from 'fastify'

export type RecordedRoute = { method: HTTPMethods; url: string; options: RouteOptions }
type Registration = { method: RouteOptions['method']; url: string; options: RouteOptions }

export function recordRoutes() {
  const byApp = new WeakMap<object, Registration[]>()
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance }
    const routes: Registration[] = []
    byApp.set(fastify, routes)
    // Method and URL as they are now (Fastify reuses the options object for '/prefix' and '/prefix/'),
    // the options object itself for the rest: later onRoute hooks (auth's) may still complete it.
    fastify.addHook('onRoute', (route) => void routes.push({ method: route.method, url: route.url, options: route as RouteOptions }))
  }
  subscribe('fastify.initialization', onInit)
  return {
    /** One entry per method and URL, in registration order. Throws for an app built before recording. */
    routesOf(app: FastifyInstance): RecordedRoute[] {
      const routes = byApp.get(app)
      if (!routes) throw new Error('this application was built before recordRoutes() was called')
      return routes.flatMap(({ method, url, options }) =>
        [method].flat().map((m) => ({ method: m.toUpperCase() as HTTPMethods, url, options })),
      )
    },
    stop: () => void unsubscribe('fastify.initialization', onInit),
  }
}
