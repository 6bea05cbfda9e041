import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'

// The OpenAPI document is generated from the same zod schemas that validate requests.
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'Suivi des créances — Pass numérique',
          description:
            "API du service de suivi des déclarations de créance des structures de médiation numérique " +
            'dans la liquidation judiciaire de #APTIC. Les erreurs suivent RFC 9457 (application/problem+json) ' +
            'avec un code stable.',
          version: '0.1.0',
        },
        tags: [{ name: 'système', description: 'État du service' }],
      },
      transform: jsonSchemaTransform,
    })
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { docExpansion: 'list', deepLinking: true },
    })
  },
  { name: 'openapi' },
)
