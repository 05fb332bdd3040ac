import { z } from 'zod'
import { catalogQuerySchema, datasetPageSchema, datasetParamsSchema, searchResultSchema } from './catalog-schemas.js'
import {
  deviceParamsSchema,
  deviceRegisteredSchema,
  deviceSchema,
  registerDeviceSchema,
  registrationTermsSchema,
} from './device-schemas.js'
import { errorBodySchema } from './error-body.js'
import { gatewayParamsSchema, gatewayPathParamsSchema, gatewayQuerySchema } from './gateway-schemas.js'
import { orderParamsSchema, settlementStatusSchema, windowParamsSchema } from './escrow-schemas.js'
import { keyReleaseSchema, keyRequestBodySchema } from './key-release-schemas.js'
import { mirrorReportSchema, mirrorRequestSchema } from './mirror-schemas.js'
import { circuitParamsSchema, deploymentResponseSchema, healthReportSchema, verificationKeySchema } from './node-schemas.js'
import { sessionRequestSchema, sessionSchema, siweNonceSchema } from './operator-schemas.js'
import {
  jobParamsSchema,
  mappingPreviewFieldsSchema,
  mappingPreviewSchema,
  publicationAcceptedSchema,
  publicationListSchema,
  publicationsQuerySchema,
  publicationStatusSchema,
  publishFieldsSchema,
} from './publishing-schemas.js'
import { defineRoute, type ResponseContract, type RouteContract } from './route-contract.js'
import {
  createStreamSchema,
  ingestResponseSchema,
  streamCreatedSchema,
  streamListSchema,
  streamParamsSchema,
  streamViewSchema,
} from './stream-schemas.js'

const json = <S extends z.ZodType>(description: string, body: S) => ({ description, body }) as const
/** The refusals a route can answer with, each a named error (errorBodySchema). */
function errors<const S extends readonly number[]>(
  ...statuses: S
): { [K in S[number]]: ResponseContract & { body: typeof errorBodySchema } } {
  return Object.fromEntries(statuses.map((s) => [s, { description: 'A named error', body: errorBodySchema }])) as never
}
// Every route may also answer 400 (bad Host or origin), 401 (operator routes) and 5xx (errors of its own services).

/** The trustless gateway's answers (docs/ipfs.md). */
const gatewayResponses = {
  200: { description: 'A raw block (application/vnd.ipld.raw) or a CARv1 (order=dfs)', contentType: 'application/vnd.ipld.car' },
  304: { description: 'Not modified: If-None-Match names the ETag of this representation' },
  ...errors(400, 404),
  412: { description: 'Cache-Control: only-if-cached, and this node does not hold the root block' },
} as const satisfies Record<number, ResponseContract>

/**
 * Every route of the node's HTTP API. The server mounts each through its contract (input and
 * output validated), the OpenAPI document lists exactly these, and the SDK's types come from them.
 */
export const API = {
  health: defineRoute({
    method: 'get',
    path: '/health',
    access: 'public',
    summary: 'Health of the chain, Redis, IPFS and the circuits (details for the operator only)',
    responses: { 200: json('All services up', healthReportSchema), 503: json('A service is down', healthReportSchema) },
  }),
  deployment: defineRoute({
    method: 'get',
    path: '/deployment',
    access: 'public',
    summary: 'Chain id and contract addresses (and the RPC URL of a local chain)',
    responses: { 200: json('The deployment', deploymentResponseSchema) },
  }),
  openApi: defineRoute({
    method: 'get',
    path: '/openapi.json',
    access: 'public',
    summary: 'This document',
    responses: { 200: json('OpenAPI 3.1', z.looseObject({ openapi: z.string() })) },
  }),
  metrics: defineRoute({
    method: 'get',
    path: '/metrics',
    access: 'operator',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' }, ...errors(401) },
  }),
  searchDatasets: defineRoute({
    method: 'get',
    path: '/datasets',
    access: 'public',
    summary: 'Search the catalog (filters, sort, pages); revalidate with the ETag',
    query: catalogQuerySchema,
    responses: { 200: json('One page of results', searchResultSchema), 304: { description: 'Not modified' }, ...errors(400) },
  }),
  publishDataset: defineRoute({
    method: 'post',
    path: '/datasets',
    access: 'operator',
    summary: 'Publish a file (multipart: `file` plus these fields); follow the job it starts',
    form: publishFieldsSchema,
    responses: { 202: json('The publication job', publicationAcceptedSchema), ...errors(400, 401, 413) },
  }),
  dataset: defineRoute({
    method: 'get',
    path: '/datasets/:id',
    access: 'public',
    summary: 'A dataset: catalog entry, manifest, the node’s proof check',
    params: datasetParamsSchema,
    responses: { 200: json('The dataset', datasetPageSchema), ...errors(400, 404) },
  }),
  datasetPreview: defineRoute({
    method: 'get',
    path: '/datasets/:id/preview',
    access: 'public',
    summary: 'The public preview chart (PNG, immutable)',
    params: datasetParamsSchema,
    responses: {
      200: { description: 'PNG', contentType: 'image/png' },
      304: { description: 'Not modified' },
      ...errors(400, 404),
    },
  }),
  datasetThumbnail: defineRoute({
    method: 'get',
    path: '/datasets/:id/thumbnail',
    access: 'public',
    summary: 'The marketplace card’s thumbnail: one series (PNG, immutable)',
    params: datasetParamsSchema,
    responses: {
      200: { description: 'PNG', contentType: 'image/png' },
      304: { description: 'Not modified' },
      ...errors(400, 404),
    },
  }),
  requestKey: defineRoute({
    method: 'post',
    path: '/datasets/:id/key',
    access: 'public',
    summary: 'Release the data key to a buyer (EIP-712 request, wrapped to the ephemeral key)',
    params: datasetParamsSchema,
    body: keyRequestBodySchema,
    responses: { 200: json('The wrapped key', keyReleaseSchema), ...errors(400, 401, 403, 404, 409, 413, 429) },
  }),
  previewMapping: defineRoute({
    method: 'post',
    path: '/mappings/preview',
    access: 'operator',
    summary:
      'The mapping `assay map` would infer (or the one sent, checked) and the first rows read with it (multipart: `file`, the head of the file)',
    form: mappingPreviewFieldsSchema,
    responses: { 200: json('The preview', mappingPreviewSchema), ...errors(400, 401, 413) },
  }),
  publications: defineRoute({
    method: 'get',
    path: '/jobs',
    access: 'operator',
    summary: 'The node’s publications, newest first (pages of `limit`), each with its status',
    query: publicationsQuerySchema,
    responses: { 200: json('One page of publications', publicationListSchema), ...errors(400, 401) },
  }),
  publication: defineRoute({
    method: 'get',
    path: '/jobs/:id',
    access: 'operator',
    summary: 'A publication’s stages and progress',
    params: jobParamsSchema,
    responses: { 200: json('The status', publicationStatusSchema), ...errors(401, 404) },
  }),
  retryPublication: defineRoute({
    method: 'post',
    path: '/jobs/:id/retry',
    access: 'operator',
    summary: 'Submit a failed publication again; it goes on from where it stopped',
    params: jobParamsSchema,
    responses: { 202: json('The publication job', publicationAcceptedSchema), ...errors(401, 404, 409) },
  }),
  settlement: defineRoute({
    method: 'get',
    path: '/escrow/orders/:id',
    access: 'public',
    summary: 'A KeyEscrow order’s status on the chain and this node’s settlement of it',
    params: orderParamsSchema,
    responses: { 200: json('The order', settlementStatusSchema), ...errors(400) },
  }),
  retrySettlement: defineRoute({
    method: 'post',
    path: '/escrow/orders/:id/retry',
    access: 'operator',
    summary: 'Settle an order again whose settlement failed (after fixing its cause)',
    params: orderParamsSchema,
    responses: { 202: json('The order', settlementStatusSchema), ...errors(401, 404, 409) },
  }),
  windowSettlement: defineRoute({
    method: 'get',
    path: '/escrow/orders/:id/windows/:index',
    access: 'public',
    summary: 'One window of a KeyEscrow stream order: its status on the chain and this node’s settlement of it',
    params: windowParamsSchema,
    responses: { 200: json('The window', settlementStatusSchema), ...errors(400) },
  }),
  retryWindowSettlement: defineRoute({
    method: 'post',
    path: '/escrow/orders/:id/windows/:index/retry',
    access: 'operator',
    summary: 'Settle a stream order’s window again whose settlement failed (after fixing its cause)',
    params: windowParamsSchema,
    responses: { 202: json('The window', settlementStatusSchema), ...errors(401, 404, 409) },
  }),
  mirror: defineRoute({
    method: 'post',
    path: '/mirrors',
    access: 'operator',
    summary:
      'Mirror an anchored dataset (or every one the catalog knows) from another node or trustless gateway: every block checked against its CID, the manifest against its anchor, then pinned and listed as a provider',
    body: mirrorRequestSchema,
    responses: { 200: json('What was mirrored', mirrorReportSchema), ...errors(400, 401, 404, 413, 422, 503) },
  }),
  publicationEvents: defineRoute({
    method: 'get',
    path: '/jobs/:id/events',
    access: 'operator',
    summary: 'Server-sent events: `progress` on every change, then `done` or `failed`, each with the status',
    params: jobParamsSchema,
    responses: {
      200: { description: 'text/event-stream', contentType: 'text/event-stream', events: publicationStatusSchema },
      ...errors(401, 404, 429),
    },
  }),
  deviceRegistration: defineRoute({
    method: 'get',
    path: '/devices/registration',
    access: 'operator',
    summary: 'What a device key signs to prove possession when registering to the node’s account',
    responses: { 200: json('The registration to sign', registrationTermsSchema), ...errors(401) },
  }),
  registerDevice: defineRoute({
    method: 'post',
    path: '/devices',
    access: 'operator',
    summary: 'Register a device key to the node’s account (with its proof of possession)',
    body: registerDeviceSchema,
    responses: {
      200: json('Already registered to this node', deviceRegisteredSchema),
      201: json('Registered', deviceRegisteredSchema),
      ...errors(400, 401, 409),
    },
  }),
  device: defineRoute({
    method: 'get',
    path: '/devices/:id',
    access: 'public',
    summary: 'A device’s owner and status',
    params: deviceParamsSchema,
    responses: { 200: json('The device', deviceSchema), ...errors(400, 404) },
  }),
  createStream: defineRoute({
    method: 'post',
    path: '/streams',
    access: 'operator',
    summary: 'Create a stream on-chain with the node’s account',
    body: createStreamSchema,
    responses: { 201: json('The stream', streamCreatedSchema), ...errors(400, 401) },
  }),
  streams: defineRoute({
    method: 'get',
    path: '/streams',
    access: 'public',
    summary: 'The node’s streams and their live status',
    responses: { 200: json('The streams', streamListSchema) },
  }),
  stream: defineRoute({
    method: 'get',
    path: '/streams/:id',
    access: 'public',
    summary: 'A stream: terms, windows, live status',
    params: streamParamsSchema,
    responses: { 200: json('The stream', streamViewSchema), ...errors(400, 404) },
  }),
  sendReadings: defineRoute({
    method: 'post',
    path: '/streams/:id/readings',
    access: 'public',
    summary: 'Device-signed batches, one JSON object per line (or a JSON array); each is checked and stored before the answer',
    params: streamParamsSchema,
    rawBody: { contentType: 'application/x-ndjson', description: 'One signed batch (core’s signedBatchSchema) per line' },
    responses: {
      200: json('Every batch taken', ingestResponseSchema),
      422: json('Some batches refused (the others are kept)', ingestResponseSchema),
      ...errors(400, 404, 413, 429, 503),
    },
  }),
  verificationKey: defineRoute({
    method: 'get',
    path: '/circuits/:id/vkey.json',
    access: 'public',
    summary: 'A circuit’s verification key (check its sha256 against the artifact manifest)',
    params: circuitParamsSchema,
    responses: { 200: json('snarkjs verification key', verificationKeySchema), ...errors(404) },
  }),
  ipfs: defineRoute({
    method: 'get',
    path: '/ipfs/:cid',
    access: 'public',
    summary: 'Trustless gateway (also HEAD, CORS): a raw block or a CAR (`format` or `Accept`), docs/ipfs.md',
    params: gatewayParamsSchema,
    query: gatewayQuerySchema,
    responses: gatewayResponses,
  }),
  ipfsPath: defineRoute({
    method: 'get',
    path: '/ipfs/:cid/*path',
    access: 'public',
    summary: 'Trustless gateway: a CAR of a UnixFS path under a CID (the blocks that prove the path, then its end)',
    params: gatewayPathParamsSchema,
    query: gatewayQuerySchema,
    responses: gatewayResponses,
  }),
  operatorSession: defineRoute({
    method: 'get',
    path: '/operator/session',
    access: 'public',
    summary: 'Whether this browser is signed in as the operator',
    responses: { 200: json('The session', sessionSchema) },
  }),
  siweNonce: defineRoute({
    method: 'get',
    path: '/operator/siwe',
    access: 'public',
    summary: 'A single-use nonce for Sign-In with Ethereum (EIP-4361), with the domain and chain the message must name',
    responses: { 200: json('The nonce', siweNonceSchema), ...errors(401, 403, 429) },
  }),
  signIn: defineRoute({
    method: 'post',
    path: '/operator/session',
    access: 'public',
    summary:
      'Sign in with the operator token or a Sign-In with Ethereum message the operator signed: sets an HttpOnly, SameSite=Strict cookie',
    body: sessionRequestSchema,
    responses: { 200: json('Signed in', sessionSchema), ...errors(401, 403, 429) },
  }),
  signOut: defineRoute({
    method: 'delete',
    path: '/operator/session',
    access: 'public',
    summary: 'Sign this browser out',
    responses: { 200: json('Signed out', sessionSchema) },
  }),
} as const

export type Api = typeof API

/** Every route of the contract, as a list (mounting, the OpenAPI document, the operator's routes). */
export const ROUTES: readonly RouteContract[] = Object.values(API)
export type RouteName = keyof Api
