// The node's HTTP requests and responses as the SDK (and through it the CLI and the web app) sees
// them: inferred from the API contract (api/), never written by hand, so a changed route is a type
// error at every caller.
import type { Api, EventData, RequestBody, ResponseBody } from '../api/index.js'
import type { ImportMapping } from '../core/index.js'
import type { QualityReport } from '../pipelines/index.js'

/** A dataset page as the node's catalog serves it (GET /datasets/:id; its manifest is checked by `verifiedManifest`). */
export type DatasetPage = ResponseBody<Api['dataset']>
/** GET /datasets: one page of the catalog. */
export type SearchResult = ResponseBody<Api['searchDatasets']>
/** A catalog entry in a search result. */
export type CatalogEntry = SearchResult['items'][number]
/** A dataset's quality report (JSON in IPFS at the manifest's `quality.reportCid`), as the publish pipeline writes it. */
export type QualityReportView = QualityReport

/**
 * What `publish` takes, written into the form the contract declares (FormFields<Api['publishDataset']>). `tags` comma-separated (or a list), `price` in the
 * payment token's base units (wei), `accessPeriod` in seconds (omitted: perpetual), `mapping` an
 * import mapping (omitted: the node infers one, as `assay map` would).
 */
export interface PublishFields {
  title: string
  description?: string
  licence?: string
  tags?: string | string[]
  mapping?: ImportMapping | string
  price?: bigint | string
  paymentToken?: string
  accessPeriod?: bigint | number | string
  /** Revenue splits: `[{ account, bps }]`. */
  splits?: Array<{ account: string; bps: number }>
  /** How the batches are proven: groth16 or honk (UltraHonk); omitted: the node's default. */
  prover?: 'groth16' | 'honk'
}

/** POST /datasets and POST /jobs/:id/retry: the publication job, and where to follow it. */
export type PublicationAccepted = ResponseBody<Api['publishDataset'], 202>
/** GET /jobs/:id: where a publication stands. */
export type PublicationStatus = ResponseBody<Api['publication']>
/** GET /jobs: one page of the node's publications, newest first. */
export type PublicationList = ResponseBody<Api['publications']>
/** A publication as GET /jobs lists it: its status, title and creation time. */
export type PublicationSummary = PublicationList['items'][number]
/** Each event of GET /jobs/:id/events. */
export type PublicationEvent = EventData<Api['publicationEvents']>
/** POST /mappings/preview: the mapping (inferred, or the one sent, checked) and the first rows read with it. */
export type MappingPreview = ResponseBody<Api['previewMapping']>
/** One row of a mapping preview as the mapping reads it: time, device and each metric's value. */
export type PreviewRow = MappingPreview['rows'][number]
/** GET /devices/registration: what a device key signs to be registered to the node's account (decimal strings). */
export type RegistrationTermsResponse = ResponseBody<Api['deviceRegistration']>
/** POST /devices body: the device's public key and its signature of the registration terms. */
export type RegisterDeviceRequest = RequestBody<Api['registerDevice']>
/** POST /devices: the device registered now (`txHash`), or already the node account's. */
export type DeviceRegistered = ResponseBody<Api['registerDevice'], 201>
/** GET /devices/:id. */
export type DeviceView = ResponseBody<Api['device']>
/** POST /streams body (defaults as the node applies them). */
export type CreateStreamRequest = RequestBody<Api['createStream']>
/** POST /streams: the stream's terms and the transaction that created it. */
export type StreamCreated = ResponseBody<Api['createStream'], 201>
/** A stream as GET /streams/:id shows it: terms, live status and windows. */
export type StreamView = ResponseBody<Api['stream']>
/** A stream's terms. */
export type StreamSpec = Omit<StreamCreated, 'txHash'>
/** One window of a stream. */
export type WindowRecord = StreamView['windows'][number]
/** A stream as GET /streams lists it (without its windows). */
export type StreamSummary = ResponseBody<Api['streams']>['streams'][number]
/** POST /streams/:id/readings: one result per batch sent, in order (422 when any was refused: the others are kept). */
export type IngestResponse = ResponseBody<Api['sendReadings']>
/** One batch's result. */
export type IngestResult = IngestResponse['results'][number]
/** GET /health (200 when every service answers, 503 otherwise). */
export type HealthReport = ResponseBody<Api['health']>
/** State of one embedded or external service in GET /health (details for the operator only). */
export type ServiceHealth = HealthReport['services'][string]
/** Which circuits the node can prove with, and how far the background build is. */
export type CircuitsHealth = NonNullable<HealthReport['circuits']>
/** One circuit's build state. */
export type CircuitState = CircuitsHealth['circuits'][string]
/** GET/POST/DELETE /operator/session: whether this browser (its session cookie) or token is the operator's. */
export type OperatorSession = ResponseBody<Api['operatorSession']>
/** POST /operator/session body: the operator token, or a Sign-In with Ethereum message and its signature. */
export type SignInRequest = RequestBody<Api['signIn']>
/** GET /operator/siwe: a single-use nonce, the node's clock, host and chain for a Sign-In with Ethereum message. */
export type SiweChallenge = ResponseBody<Api['siweNonce']>
/** GET /deployment. */
export type DeploymentResponse = ResponseBody<Api['deployment']>
/** POST /mirrors body: one dataset (`datasetId`) or every dataset the node's catalog knows (`all: true`), from `from`. */
export type MirrorRequest = RequestBody<Api['mirror']>
/** POST /mirrors: what was mirrored, dataset by dataset. */
export type MirrorReport = ResponseBody<Api['mirror']>
/** A key release (POST /datasets/:id/key). */
export type KeyRelease = ResponseBody<Api['requestKey']>
