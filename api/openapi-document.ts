import { z } from 'zod'
import { ROUTES } from './routes.js'
import { openApiPath, type RouteContract } from './route-contract.js'

/** A schema as JSON Schema: requests as clients write them (`input`), responses as sent (`output`). */
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>

function parameters(route: RouteContract): unknown[] {
  const list: unknown[] = []
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (schema === undefined) continue
    const s = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] }
    for (const [name, property] of Object.entries(s.properties ?? {}))
      list.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: property })
  }
  return list
}

function requestBody(route: RouteContract): unknown {
  if (route.body !== undefined) return { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } }
  if (route.form !== undefined) {
    const fields = jsonSchema(route.form, 'input') as { properties?: Record<string, unknown>; required?: string[] }
    const schema = {
      type: 'object',
      properties: { ...fields.properties, file: { type: 'string', format: 'binary' } },
      required: [...(fields.required ?? []), 'file'],
    }
    return { required: true, content: { 'multipart/form-data': { schema } } }
  }
  if (route.rawBody !== undefined)
    return { required: true, description: route.rawBody.description, content: { [route.rawBody.contentType]: {} } }
  return undefined
}

function responses(route: RouteContract): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(route.responses).map(([status, r]) => {
      const content =
        r.body !== undefined
          ? { 'application/json': { schema: jsonSchema(r.body, 'output') } }
          : r.contentType !== undefined
            ? {
                [r.contentType]:
                  r.events !== undefined ? { schema: { description: 'each event’s data', ...jsonSchema(r.events, 'output') } } : {},
              }
            : undefined
      return [status, { description: r.description, ...(content !== undefined ? { content } : {}) }]
    }),
  )
}

let cached: Record<string, unknown> | undefined

/** The node's OpenAPI 3.1 document, generated from the route contracts (every route, nothing else). */
export function openApiDocument(): Record<string, unknown> {
  if (cached !== undefined) return cached
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of ROUTES) {
    const operation: Record<string, unknown> = {
      summary: route.summary,
      ...(route.access === 'operator' ? { security: [{ operatorToken: [] }, { operatorSession: [] }] } : {}),
      parameters: parameters(route),
      responses: responses(route),
    }
    const body = requestBody(route)
    if (body !== undefined) operation.requestBody = body
    ;(paths[openApiPath(route.path)] ??= {})[route.method] = operation
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Assay node API',
      version: '0.2.0',
      description: 'Verifiable marketplace for sensor data: catalog, publishing, streams, key release, trustless content.',
    },
    components: {
      securitySchemes: {
        operatorToken: { type: 'http', scheme: 'bearer', description: 'The node’s operator token' },
        operatorSession: {
          type: 'apiKey',
          in: 'cookie',
          name: 'assay_session',
          description: 'A signed-in browser (POST /operator/session)',
        },
      },
    },
    paths,
  }
  return cached
}
