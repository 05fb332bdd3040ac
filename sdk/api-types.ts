// The node's HTTP requests and responses as the SDK (and through it the CLI and the web app) sees
// them: every wire type in one file, to be derived from the api/ schemas.
import type { ImportMapping, Manifest } from '../core/index.js'
import type { IngestResult, PublicationStatus, StreamSpec, WindowRecord } from '../pipelines/index.js'

export type { IngestResult, PublicationStatus, StreamSpec, WindowRecord }

/** A dataset page as the node's catalog serves it (GET /datasets/:id; its manifest is checked by `verifiedManifest`). */
export interface DatasetPage {
  datasetId: string
  owner: string
  manifestCid: string
  title: string
  metrics: string[]
  qualityScore: number
  readings: number
  deviceCount: number
  firstTime: number | null
  lastTime: number | null
  listing: { price: string; paymentToken: string; accessPeriod: number; active: boolean } | null
  purchases: number
  manifestStatus: string
  /** `setupWarning`: the proofs verify under a development setup (anyone could have made them). */
  verification: { status: string; detail: string | null; setupWarning?: string | null }
  manifest: Manifest | null
}

/** GET /datasets: one page of the catalog. */
export interface SearchResult {
  total: number
  limit: number
  offset: number
  items: Array<Omit<DatasetPage, 'manifest'>>
}

/** A dataset's quality report (JSON in IPFS at the manifest's `quality.reportCid`). */
export interface QualityReportView {
  score: number
  signedBy: string
  series: Array<{
    device: string
    metric: string
    score: number
    components: Record<string, { score: number; detail: string; proven?: boolean }>
  }>
}

/**
 * POST /datasets form fields besides the file. `tags` comma-separated (or a list), `price` in the
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
}

/** POST /datasets and POST /jobs/:id/retry: the publication job, and where to follow it. */
export interface PublicationAccepted {
  jobId: string
  /** Path of GET /jobs/:id. */
  status: string
  /** Path of GET /jobs/:id/events. */
  events: string
}

/** One row of a mapping preview as the mapping reads it: time, device and each metric's value. */
export interface PreviewRow {
  time: number
  device: string
  values: Record<string, string>
}

/** POST /mappings/preview: the mapping (inferred, or the one sent, checked) and the first rows read with it. */
export interface MappingPreview {
  /** `signed-batches`: a device-signed file, which needs no mapping. */
  kind: 'table' | 'signed-batches'
  mapping?: ImportMapping
  notes: string[]
  columns: string[]
  /** The first source rows as read, before the mapping. */
  sample: Array<{ line: number; fields: Record<string, string> }>
  rows: PreviewRow[]
  problems: Array<{ line: number; column: string; message: string }>
}

/** GET /devices/registration: what a device key signs to be registered to the node's account (decimal strings). */
export interface RegistrationTermsResponse {
  owner: string
  chainId: string
  registry: string
  nonce: string
}

/** POST /devices body: the device's public key and its signature of the registration terms. */
export interface RegisterDeviceRequest {
  publicKey: { x: string; y: string }
  proof: { nonce: string; R8x: string; R8y: string; S: string }
  label?: string
}

/** POST /devices: the device registered now (`txHash`), or already the node account's. */
export interface DeviceRegistered {
  deviceId: string
  owner: string
  txHash?: string
  alreadyRegistered: boolean
}

/** GET /devices/:id. */
export interface DeviceView {
  deviceId: string
  owner: string
  registeredAt: number
  revokedAt: number | null
  publishableByThisNode: boolean
}

/** POST /streams body (defaults as the node applies them). */
export interface CreateStreamRequest {
  title: string
  description?: string
  licence?: string
  tags?: string[]
  /** Seconds per window. */
  windowSeconds: number
  /** Seconds of access one purchase buys: a whole number of windows (default: one window). */
  periodSeconds?: number
  /** Price per period in wei (or the token's base units), decimal. */
  price: string
  paymentToken?: string
  graceSeconds?: number
  maxReadings?: number
  deviceIds: string[]
  circuitId?: string
  /** Start of window 0 (unix seconds); default: now. */
  start?: number
}

/** POST /streams: the stream's terms and the transaction that created it. */
export type StreamCreated = StreamSpec & { txHash: string }

/** A stream as GET /streams/:id shows it: terms, live status and windows. */
export interface StreamView extends StreamSpec {
  /** Time of the newest accepted reading (unix seconds). */
  lastReading: number | null
  windowsPublished: number
  windows: WindowRecord[]
}

/** A stream as GET /streams lists it (without its windows). */
export type StreamSummary = Omit<StreamView, 'windows'>

/** POST /streams/:id/readings: one result per batch sent, in order (422 when any was refused: the others are kept). */
export interface IngestResponse {
  accepted: number
  rejected: number
  results: IngestResult[]
}

/** State of one embedded or external service in GET /health (details for the operator only). */
export interface ServiceHealth {
  ok: boolean
  embedded: boolean
  detail: Record<string, unknown>
  error?: string
}

/** One circuit's build state: a node builds missing circuits in the background while it serves. */
export interface CircuitState {
  state: 'ready' | 'pending' | 'building' | 'failed'
  /** How long its build took, once built by this node. */
  seconds?: number
  error?: string
}

/** Which circuits the node can prove with, and how far the background build is. */
export interface CircuitsHealth {
  ready: number
  total: number
  /** The circuit being built right now, if any. */
  building?: string
  circuits: Record<string, CircuitState>
}

/** GET /health (200 when every service answers, 503 otherwise). */
export interface HealthReport {
  /** Every service answers. Circuits still building do not count: everything but proving works. */
  ok: boolean
  services: Record<string, ServiceHealth>
  circuits?: CircuitsHealth
}

/** GET/POST/DELETE /operator/session: whether this browser (its session cookie) or token is the operator's. */
export interface OperatorSession {
  operator: boolean
}

/** POST /operator/session body: the operator token, or a Sign-In with Ethereum message and its signature. */
export type SignInRequest = { token: string } | { message: string; signature: string }

/** GET /operator/siwe: a single-use nonce, the node's clock, host and chain for a Sign-In with Ethereum message. */
export interface SiweChallenge {
  nonce: string
  issuedAt: string
  expiresAt: string
  domain: string
  chainId: number
  version: string
}
