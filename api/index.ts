// The node's HTTP contract: one zod schema per request and response of every route, read by the
// server (validation of what it receives and sends), the OpenAPI document and the SDK (types).
// Browser-safe.
export { API, ROUTES } from './routes.js'
export type { Api, RouteName } from './routes.js'
export { defineRoute, openApiPath } from './route-contract.js'
export type {
  EventData,
  FormFields,
  HttpMethod,
  QueryOf,
  RequestBody,
  ResponseBody,
  ResponseContract,
  RouteAccess,
  RouteContract,
} from './route-contract.js'
export { openApiDocument } from './openapi-document.js'
export { parseResponse } from './parse-response.js'
export { errorBodySchema, serializedErrorSchema } from './error-body.js'
export type { ErrorBody } from './error-body.js'
export {
  catalogEntrySchema,
  catalogQuerySchema,
  datasetPageSchema,
  datasetParamsSchema,
  searchResultSchema,
  verificationStatusSchema,
} from './catalog-schemas.js'
export { keyReleaseSchema, keyRequestBodySchema } from './key-release-schemas.js'
export { mirroredDatasetSchema, mirrorReportSchema, mirrorRequestSchema, providerUrlSchema } from './mirror-schemas.js'
export { orderParamsSchema, settlementStatusSchema, windowParamsSchema } from './escrow-schemas.js'
export {
  deviceParamsSchema,
  deviceRegisteredSchema,
  deviceSchema,
  registerDeviceSchema,
  registrationTermsSchema,
} from './device-schemas.js'
export {
  jobParamsSchema,
  mappingPreviewFieldsSchema,
  mappingPreviewSchema,
  publicationAcceptedSchema,
  publicationListSchema,
  publicationsQuerySchema,
  publicationStatusSchema,
  publicationSummarySchema,
  publishFieldsSchema,
  splitsSchema,
} from './publishing-schemas.js'
export {
  createStreamSchema,
  ingestResponseSchema,
  streamCreatedSchema,
  streamListSchema,
  streamParamsSchema,
  streamRejectionSchema,
  streamSpecSchema,
  streamSummarySchema,
  streamViewSchema,
  windowRecordSchema,
} from './stream-schemas.js'
export {
  circuitParamsSchema,
  deploymentResponseSchema,
  healthReportSchema,
  serviceHealthSchema,
  verificationKeySchema,
} from './node-schemas.js'
export { sessionRequestSchema, sessionSchema, siweNonceSchema } from './operator-schemas.js'
export { addressSchema, datasetIdSchema, decimalSchema, jobIdSchema, txHashSchema } from './wire-types.js'
