// Server: HTTP API and web UI: health, catalog (indexer, search, dataset pages), devices, publishing (uploads, job status, progress events).
export { createApp, OPERATOR_ROUTES, publicHealth } from './create-app.js'
export { createOperatorAuth, ForeignRequestError, LOOPBACK_HOSTS, OperatorAuthError } from './operator-auth.js'
export { createSiweVerifier } from './siwe.js'
export type { SiweExpectations, SiweNonce, SiweVerifier, SiweVerifierOptions } from './siwe.js'
export { createRateLimit, RateLimitedError } from './rate-limit.js'
export type { RateLimitOptions } from './rate-limit.js'
export { createConnectionLimit, TooManyConnectionsError } from './connection-limit.js'
export type { ConnectionLimitOptions } from './connection-limit.js'
export type { OperatorAuth, OperatorAuthOptions } from './operator-auth.js'
export type { AppComponents, CircuitsHealth, CircuitState, HealthReport, ServiceHealth } from './create-app.js'
export { createErrorHandler } from './http-errors.js'
export { deviceRoutes, DeviceOwnedError } from './device-routes.js'
export type { DevicesApi } from './device-routes.js'
export { publishingRoutes } from './publishing-routes.js'
export { MAPPING_PREVIEW_BYTES, mappingRoutes } from './mapping-routes.js'
export type { MappingPreview, PreviewRow } from './mapping-routes.js'
export { circuitRoutes } from './circuit-routes.js'
export { createSetupRecordReader, SetupRecordStoreError, storeSetupRecords } from './setup-records.js'
export { streamRoutes } from './stream-routes.js'
export type { CreateStreamInput, StreamsApi, StreamView } from './stream-routes.js'
export { UploadTooLargeError } from './receive-upload.js'
export { parseInput, ValidationError } from './validation-error.js'
export type { PublishingApi } from './publishing-routes.js'
export { ftsQuery, openCatalog } from './catalog.js'
export type { AnchoredDataset, Catalog, CatalogEntry, CatalogPage, CatalogQuery } from './catalog.js'
export { createCatalogIndexer, ManifestMismatchError } from './catalog-indexer.js'
export type { CatalogIndexer, CatalogIndexerComponents, CatalogIndexerOptions } from './catalog-indexer.js'
export { catalogRoutes } from './catalog-routes.js'
export type { CatalogApi } from './catalog-routes.js'
export { openProviderRegistry } from './provider-registry.js'
export type { ProviderRegistry } from './provider-registry.js'
export { createMirrorService } from './mirror-service.js'
export type { MirrorReport, MirrorRequest, MirrorsApi, MirrorServiceComponents } from './mirror-service.js'
export { mirrorRoutes } from './mirror-routes.js'
export { escrowRoutes, SettlementNotFailedError } from './escrow-routes.js'
export type { EscrowApi } from './escrow-routes.js'
export { openAuditLog } from './audit-log.js'
export type { AuditEntry, AuditLog } from './audit-log.js'
export {
  keyContext,
  KeyNotHeldError,
  keyReleaseRoutes,
  KeyRequestError,
  KeyRequestExpiredError,
  KeyRequestSignatureError,
  MAX_REQUEST_LIFETIME_S,
  NoAccessError,
  NonceReusedError,
} from './key-release.js'
export type { KeyReleaseComponents } from './key-release.js'
export { openNonceStore } from './nonce-store.js'
export type { NonceStore } from './nonce-store.js'
export { ipfsRoutes } from './ipfs-routes.js'
export { GatewayRequestError } from './gateway-request-error.js'
export type { IpfsApi } from './ipfs-routes.js'
export { createMetrics } from './metrics.js'
export type { Metrics } from './metrics.js'
export { checkedBody, reply, requestOf, ResponseContractError } from './contract-route.js'
