import { z } from 'zod'
import { ERROR_CATEGORIES } from '../core/index.js'
import { catalogQuerySchema } from './catalog-routes.js'
import { registerDeviceSchema } from './device-routes.js'
import { keyRequestBodySchema } from './key-release.js'
import { sessionRequestSchema } from './operator-auth.js'
import { publishFieldsSchema } from './publishing-routes.js'

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' })
const error = {
  description: 'A named error: `{ error: { name, message, category, retryable } }`',
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
}
const ok = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } })
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[1-9][0-9]*$' } }

/** Query parameters of GET /datasets, from the same zod schema that validates them. */
function queryParameters(): unknown[] {
  const schema = json(catalogQuerySchema) as { properties: Record<string, unknown> }
  return Object.entries(schema.properties).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }))
}

let cached: unknown
/** The node's OpenAPI 3.1 document; request schemas are generated from the routes' zod schemas. */
export function openApiDocument(): unknown {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'Assay node API',
      version: '0.1.0',
      description: 'Verifiable marketplace for sensor data: catalog, publishing, key release, trustless content.',
    },
    components: {
      schemas: {
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                message: { type: 'string' },
                category: { type: 'string', enum: Object.keys(ERROR_CATEGORIES), description: 'What kind of failure (core/errors.ts)' },
                retryable: { type: 'boolean', description: 'Whether the same request may succeed later' },
              },
              required: ['name', 'message', 'category', 'retryable'],
            },
          },
        },
      },
    },
    paths: {
      '/health': {
        get: { summary: 'Health of the chain, Redis and IPFS', responses: { 200: ok('All services up'), 503: ok('A service is down') } },
      },
      '/deployment': {
        get: { summary: 'Chain id and contract addresses (and the RPC URL of a local chain)', responses: { 200: ok('The deployment') } },
      },
      '/datasets': {
        get: {
          summary: 'Search the catalog',
          parameters: queryParameters(),
          responses: { 200: ok('{ total, limit, offset, items }'), 400: error },
        },
        post: {
          summary: 'Publish a file (multipart: `file` plus these fields)',
          requestBody: {
            content: {
              'multipart/form-data': {
                schema: {
                  ...(json(publishFieldsSchema) as object),
                  properties: {
                    ...(json(publishFieldsSchema) as { properties: object }).properties,
                    file: { type: 'string', format: 'binary' },
                  },
                },
              },
            },
          },
          responses: { 202: ok('{ jobId, status, events }'), 400: error, 413: error },
        },
      },
      '/datasets/{id}': {
        get: {
          summary: 'A dataset: catalog entry, manifest, the node’s proof check',
          parameters: [idParam],
          responses: { 200: ok('The dataset'), 400: error, 404: error },
        },
      },
      '/datasets/{id}/preview': {
        get: {
          summary: 'The public preview chart (PNG, immutable)',
          parameters: [idParam],
          responses: { 200: { description: 'PNG', content: { 'image/png': {} } }, 304: { description: 'Not modified' }, 404: error },
        },
      },
      '/datasets/{id}/key': {
        post: {
          summary: 'Release the data key to a buyer (EIP-712 request, wrapped to the ephemeral key)',
          parameters: [idParam],
          requestBody: { required: true, content: { 'application/json': { schema: json(keyRequestBodySchema) } } },
          responses: {
            200: ok('{ datasetId, wrappedKey, context, keyCommitment }'),
            400: error,
            401: error,
            403: error,
            404: error,
            409: error,
            413: error,
          },
        },
      },
      '/devices/registration': {
        get: {
          summary: 'What a device key signs to prove possession when registering to the node’s account: owner, chain id, registry, nonce',
          responses: { 200: ok('The registration to sign') },
        },
      },
      '/devices': {
        post: {
          summary: 'Register a device key to the node’s account',
          requestBody: { required: true, content: { 'application/json': { schema: json(registerDeviceSchema) } } },
          responses: { 200: ok('Already registered'), 201: ok('Registered'), 400: error, 409: error },
        },
      },
      '/devices/{id}': {
        get: {
          summary: 'A device’s owner and status',
          parameters: [{ ...idParam, schema: { type: 'string' } }],
          responses: { 200: ok('The device'), 400: error, 404: error },
        },
      },
      '/jobs/{id}': {
        get: {
          summary: 'A publication’s stages and progress',
          parameters: [{ ...idParam, schema: { type: 'string' } }],
          responses: { 200: ok('The status'), 404: error },
        },
      },
      '/jobs/{id}/retry': {
        post: {
          summary: 'Submit a failed publication again; it goes on from where it stopped',
          parameters: [{ ...idParam, schema: { type: 'string' } }],
          responses: { 202: ok('The job and its status and events links'), 404: error, 409: error },
        },
      },
      '/jobs/{id}/events': {
        get: {
          summary: 'Server-sent progress events',
          parameters: [{ ...idParam, schema: { type: 'string' } }],
          responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': {} } } },
        },
      },
      '/ipfs/{cid}': {
        get: {
          summary: 'Trustless gateway: a CAR or a raw block',
          parameters: [
            { name: 'cid', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'format', in: 'query', schema: { enum: ['car', 'raw'] } },
          ],
          responses: {
            200: { description: 'CAR or raw block', content: { 'application/vnd.ipld.car': {}, 'application/vnd.ipld.raw': {} } },
            400: error,
            404: error,
          },
        },
      },
      '/operator/siwe': {
        get: {
          summary: 'A single-use nonce for Sign-In with Ethereum (EIP-4361), with the domain and chain the message must name',
          responses: {
            200: ok('{ nonce, issuedAt, expiresAt, domain, chainId, version }'),
            401: error,
            403: error,
            429: error,
          },
        },
      },
      '/operator/session': {
        get: { summary: 'Whether this browser is signed in as the operator', responses: { 200: ok('{ operator }') } },
        post: {
          summary: 'Sign in with the operator token or a Sign-In with Ethereum message the operator signed: sets the session cookie',
          requestBody: { required: true, content: { 'application/json': { schema: json(sessionRequestSchema) } } },
          responses: { 200: ok('{ operator: true }, with an HttpOnly, SameSite=Strict cookie'), 401: error, 403: error, 429: error },
        },
        delete: { summary: 'Sign this browser out', responses: { 200: ok('{ operator: false }') } },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition format' } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: ok('OpenAPI 3.1') } } },
    },
  }
  return cached
}
