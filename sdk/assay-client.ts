import { decodeBase64, hexlify, randomBytes, SigningKey, type Signer } from 'ethers'
import { CID } from 'multiformats/cid'
import {
  checkArtifact,
  computeKeyCommitment,
  decryptKeyTransfer,
  KEY_TRANSFER_CIRCUIT,
  KeyTransferError,
  setupOf,
  sha256Hex,
  type BuyerKey,
  type VerificationKey,
} from '../circuits/index.js'
import { LOCAL_DEV_CHAIN_ID, parseManifest, type ImportMapping, type Manifest } from '../core/index.js'
import {
  assertCommittedEscrow,
  computeAnchor,
  ContractError,
  createChainClient,
  EscrowCodeMismatchError,
  parseDeployment,
  signKeyRequest,
  statsDigestOf,
  windowDeadlineOf,
  type AgreedTerms,
  type ChainClient,
  type Deployment,
  type EscrowOrder,
  type KeyRequest,
  type KeySettlement,
  type OpenedOrder,
  type OpenedStreamOrder,
  type StreamEscrowOrder,
  type TxResult,
} from '../contracts/index.js'
import { checkBlock, concatBytes, ContentTooLargeError, unwrapKeyWeb } from '../storage/index.js'
import { API, parseResponse, type RouteContract } from '../api/index.js'
import type {
  CreateStreamRequest,
  DatasetPage,
  DeviceRegistered,
  DeviceView,
  HealthReport,
  IngestResponse,
  MappingPreview,
  MirrorReport,
  MirrorRequest,
  OperatorSession,
  PublicationAccepted,
  PublicationList,
  PublicationStatus,
  PublishFields,
  RegisterDeviceRequest,
  RegistrationTermsResponse,
  SearchResult,
  SignInRequest,
  SiweChallenge,
  StreamCreated,
  StreamSummary,
  StreamView,
} from './api-types.js'
import { AssayApiError } from './assay-api-error.js'
import { BuyerKeyMismatchError } from './buyer-key-mismatch-error.js'
import { deriveBuyerKey } from './derive-buyer-key.js'
import { encodeMultipart, type MultipartPart } from './encode-multipart.js'
import { firstProvider } from './first-provider.js'
import { KeyDeliveryTimeoutError } from './key-delivery-timeout-error.js'
import { NodeUnreachableError } from './node-unreachable-error.js'
import { OrderNotFoundError } from './order-not-found-error.js'
import { OrderRefundedError } from './order-refunded-error.js'
import { readEventStream } from './read-event-stream.js'
import { UnsafeEscrowSetupError } from './unsafe-escrow-setup-error.js'
import { countingStream, postWithXhr, type UploadProgress } from './upload-progress.js'
import { VerificationError } from './verification-error.js'

export interface AssayClientOptions {
  /** The node's HTTP address, e.g. http://127.0.0.1:7420. */
  node: string
  fetch?: typeof fetch
  /** The node operator's token, sent as `Authorization: Bearer …` (publishing, jobs, devices, streams need it). */
  operatorToken?: string | undefined
  /** Ends every request of this client when it aborts, e.g. `AbortSignal.timeout(10_000)`. */
  signal?: AbortSignal
  /**
   * The deployment, when known already (a saved deployment file): the client then never asks the
   * node for it, so the chain-only calls (trustless buying, waiting for a key, refunds) work while
   * the node is away. Default: the node's GET /deployment.
   */
  deployment?: Deployment & { rpcUrl?: string }
}

/** The buyer key of trustless calls; default: derived from the wallet (deriveBuyerKey, one signature). */
export interface BuyerKeyOptions {
  /** A buyer key held otherwise, e.g. from a key file (buyerKeyFromSeed). */
  buyerKey?: BuyerKey | undefined
}

/** Options of `waitForKey`. */
export interface WaitForKeyOptions extends BuyerKeyOptions {
  /** How long to wait for the settlement; default 10 minutes. */
  timeoutMs?: number
  /** How often to look for it; default 1 s. */
  pollMs?: number
  /** Stops waiting (an AbortError) when it aborts. */
  signal?: AbortSignal | undefined
}

/** Options of `buyTrustless`. */
export interface BuyTrustlessOptions extends Omit<WaitForKeyOptions, 'buyerKey'>, BuyerKeyOptions {
  /** The terms the buyer was shown (default: the listing as read now); the escrow refuses an order if they changed. */
  agreed?: AgreedTerms | undefined
  /** Called once the order is open, before waiting for its settlement. */
  onOrder?: (order: OpenedOrder) => void
}

/** Windows refunded per transaction at most (KeyEscrow.refundWindows costs ~390 gas a window). */
const REFUND_CHUNK = 20_000n

/** Options of `openStreamOrder`. */
export interface OpenStreamOrderOptions extends BuyerKeyOptions {
  /** Whole periods to buy (default 1). */
  periods?: bigint
  /** The first window bought (default: the window open now, or window 0 before the stream starts). */
  firstWindow?: bigint
  /** The price per period the buyer was shown (default: the stream's, read now); the escrow refuses the order if it changed. */
  agreedPricePerPeriod?: bigint
}

/** A delivered key and the settlement it was opened from. */
export interface DeliveredKey {
  /** The 32-byte data key, checked against the dataset's anchored key commitment. */
  key: Uint8Array
  settlement: KeySettlement
}

/** Waits `ms`, or rejects when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal!.reason as Error)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Per-call options of the node's routes. */
export interface CallOptions {
  /** Ends the request (an AbortError) when it aborts. */
  signal?: AbortSignal | undefined
}

/** Per-call options of content reads (blocks, CARs, manifests). */
export interface ContentOptions extends CallOptions {
  /**
   * Nodes or trustless gateways to read from, tried in order until one serves it (a dataset page's
   * `providers`, see contentProviders); default: the client's node. Every block is checked against
   * its CID whoever serves it, and the operator's token goes to the client's node only.
   */
  providers?: readonly string[] | undefined
}

/** Options of `publish`. */
export interface PublishOptions extends CallOptions {
  /** The file name the node sees (default: the File's name, else `upload`). */
  fileName?: string
  /** Bytes of the upload sent so far, of its total: rises to the total, never falls. */
  onProgress?: (progress: UploadProgress) => void
}

/**
 * The longest raw block `block` reads (twice a UnixFS leaf of 1 MiB, and far above a manifest's
 * single block): a provider sending more is cut off rather than held in memory.
 */
const MAX_BLOCK_BYTES = 2 * 1024 * 1024

/** A CID's raw block, checked against the CID: the node is not trusted. */
async function checkedBlock(cid: CID, bytes: Uint8Array): Promise<Uint8Array> {
  try {
    await checkBlock(cid, bytes)
  } catch (err) {
    throw new VerificationError('block', (err as Error).message, { cause: err })
  }
  return bytes
}

/** A node's error body; `category` and `retryable` are missing from nodes older than the error taxonomy. */
interface ErrorBody {
  name: string
  message: string
  category?: string
  retryable?: boolean
}

/**
 * Under a development setup anyone can forge a settlement proof: pay into the escrow only where that
 * costs nothing real (the local development chain).
 * @throws {UnsafeEscrowSetupError}
 */
function assertSafeEscrow(chainId: number): void {
  if (chainId !== LOCAL_DEV_CHAIN_ID && setupOf(KEY_TRANSFER_CIRCUIT).warning !== undefined)
    throw new UnsafeEscrowSetupError(KEY_TRANSFER_CIRCUIT, chainId)
}

/**
 * Assay's client, and the one HTTP client of a node (the CLI and the web app call nothing else):
 * catalog reads, buying, key requests, content by CID, and the operator's routes (publishing,
 * devices, streams, sessions). Only the chain and content addressing are trusted: manifests are
 * checked against their on-chain anchor, blocks against their CIDs, keys against their anchored
 * commitments, verification keys against the committed artifact manifest. Browser-safe.
 *
 * Every refusal (any status but 2xx) is an AssayApiError with the node's error name and category. A
 * node that cannot be reached, or whose connection breaks in the middle of an answer, is a
 * NodeUnreachableError (never fetch's bare TypeError).
 */
export function createAssayClient(options: AssayClientOptions) {
  const http = options.fetch ?? fetch
  const url = (path: string): URL => new URL(path, options.node)
  let escrowChecked: Promise<void> | undefined
  let deploymentPromise: Promise<Deployment & { rpcUrl?: string }> | undefined =
    options.deployment !== undefined ? Promise.resolve(options.deployment) : undefined

  /** The client's signal and the call's, either ending the request. */
  const signalOf = (call?: AbortSignal | null): AbortSignal | undefined =>
    call == null ? options.signal : options.signal === undefined ? call : AbortSignal.any([options.signal, call])

  const headersOf = (init?: HeadersInit): Headers => {
    const headers = new Headers(init)
    if (options.operatorToken !== undefined && !headers.has('authorization'))
      headers.set('authorization', `Bearer ${options.operatorToken}`)
    return headers
  }

  async function send(path: string, init?: RequestInit): Promise<Response> {
    const signal = signalOf(init?.signal)
    try {
      return await http(url(path), { ...init, headers: headersOf(init?.headers), ...(signal !== undefined ? { signal } : {}) })
    } catch (err) {
      throw NodeUnreachableError.wrap(options.node, err)
    }
  }

  /**
   * GET of `path` (relative: below a provider's own path) from a provider; the operator's token
   * only to the client's own node.
   */
  async function fetchFrom(provider: string, path: string, signal?: AbortSignal | null): Promise<Response> {
    const base = new URL(provider.endsWith('/') ? provider : `${provider}/`)
    const own = base.origin === new URL(options.node).origin
    const both = signalOf(signal)
    try {
      return await http(new URL(path, base), {
        ...(own ? { headers: headersOf() } : {}),
        ...(both !== undefined ? { signal: both } : {}),
      })
    } catch (err) {
      throw NodeUnreachableError.wrap(provider, err)
    }
  }

  /** A body's bytes as they arrive; a connection lost midway is a NodeUnreachableError (of `node`). */
  async function* bytesOf(body: ReadableStream<Uint8Array>, node = options.node): AsyncGenerator<Uint8Array> {
    // A reader rather than async iteration: older browsers cannot iterate a ReadableStream.
    const reader = body.getReader()
    try {
      for (;;) {
        let next: ReadableStreamReadResult<Uint8Array>
        try {
          next = await reader.read()
        } catch (err) {
          throw NodeUnreachableError.wrap(node, err)
        }
        if (next.done) return
        yield next.value
      }
    } finally {
      reader.releaseLock()
      // The caller stopped early: the node may stop sending.
      void body.cancel().catch(() => undefined)
    }
  }

  /** A JSON body; one that does not parse is `{}` (an error page), one cut short a NodeUnreachableError. */
  async function jsonOf(res: Response): Promise<{ error?: ErrorBody }> {
    try {
      return (await res.json()) as { error?: ErrorBody }
    } catch (err) {
      const wrapped = NodeUnreachableError.wrap(options.node, err)
      if (NodeUnreachableError.is(wrapped)) throw wrapped
      return {}
    }
  }

  const refusal = (status: number, statusText: string, body: { error?: ErrorBody }): AssayApiError =>
    new AssayApiError(status, body.error?.name ?? 'HttpError', body.error?.message ?? statusText, {
      category: body.error?.category,
    })

  /**
   * A JSON call; any other status than 2xx (or one of `accept`) is an AssayApiError with the node's
   * error name. The answer is checked against the route's contract (api/): the node is not
   * trusted, and a body of another shape is a VerificationError here rather than a TypeError in
   * whatever reads it later.
   */
  async function call<T>(route: RouteContract, path: string, init?: RequestInit, accept: readonly number[] = []): Promise<T> {
    const res = await send(path, init)
    const body = await jsonOf(res)
    if (!res.ok && !accept.includes(res.status)) throw refusal(res.status, res.statusText, body)
    return checkedAnswer<T>(route, res.status, body)
  }

  function checkedAnswer<T>(route: RouteContract, status: number, body: unknown): T {
    const parsed = parseResponse(route, status, body)
    if (parsed === 'undeclared') return body as T
    if (parsed.ok) return parsed.data as T
    throw new VerificationError(
      'response',
      `${route.method.toUpperCase()} ${route.path} answered ${status} with a body its contract does not allow (${parsed.problem})`,
    )
  }

  /** A JSON POST of `body`. */
  const postJson = <T>(
    route: RouteContract,
    path: string,
    body: unknown,
    callOptions: CallOptions = {},
    accept: readonly number[] = [],
  ): Promise<T> =>
    call<T>(
      route,
      path,
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: callOptions.signal ?? null },
      accept,
    )

  /**
   * A multipart POST with upload progress: XMLHttpRequest in a browser (its upload events), else
   * fetch with a counting stream as the body. Answers like `call`.
   */
  async function upload<T>(route: RouteContract, path: string, parts: readonly MultipartPart[], o: PublishOptions = {}): Promise<T> {
    const { body, contentType } = encodeMultipart(parts)
    const headers = headersOf({ 'content-type': contentType })
    const signal = signalOf(o.signal)
    o.onProgress?.({ sent: 0, total: body.size })
    if (options.fetch === undefined && typeof globalThis.XMLHttpRequest === 'function') {
      let answer: Awaited<ReturnType<typeof postWithXhr>>
      try {
        answer = await postWithXhr(url(path), body, headers, { onProgress: o.onProgress, signal })
      } catch (err) {
        throw NodeUnreachableError.wrap(options.node, err)
      }
      let json: { error?: ErrorBody } = {}
      try {
        json = JSON.parse(answer.text) as { error?: ErrorBody }
      } catch {
        // an error page: the status says it
      }
      if (answer.status < 200 || answer.status > 299) throw refusal(answer.status, answer.statusText, json)
      return checkedAnswer<T>(route, answer.status, json)
    }
    const report = o.onProgress ?? (() => undefined)
    // `duplex: 'half'`: Node's fetch sends a streamed body only when told it will not read the answer meanwhile.
    const init = { method: 'POST', headers, body: countingStream(body, report), duplex: 'half', signal: signal ?? null }
    return call<T>(route, path, init)
  }

  const id = encodeURIComponent

  const client = {
    /** The node's HTTP address, as given. */
    node: options.node,

    /** The node's health report (GET /health): each service and circuit; a node that answers at all (200 or 503) is there. */
    health(callOptions: CallOptions = {}): Promise<HealthReport> {
      return call<HealthReport>(API.health, '/health', { signal: callOptions.signal ?? null }, [503])
    },

    /**
     * Uploads a file to publish (POST /datasets, the operator's): the node reads, proves, stores,
     * anchors and lists it as a publication job, followed with `publicationEvents` or
     * `followPublication`. `onProgress` reports the upload's bytes as they go.
     *
     * @example
     * const { jobId } = await client.publish(file, { title: 'Office', price: 10n ** 16n }, { onProgress: ({ sent, total }) => bar(sent / total) })
     */
    publish(file: Blob, fields: PublishFields, publishOptions: PublishOptions = {}): Promise<PublicationAccepted> {
      const parts: MultipartPart[] = [{ name: 'title', value: fields.title }]
      const text = (name: string, value: string | bigint | number | undefined): void => {
        if (value !== undefined) parts.push({ name, value: String(value) })
      }
      text('description', fields.description)
      text('licence', fields.licence)
      text('tags', Array.isArray(fields.tags) ? fields.tags.join(',') : fields.tags)
      text('mapping', typeof fields.mapping === 'object' ? JSON.stringify(fields.mapping) : fields.mapping)
      text('price', fields.price)
      text('paymentToken', fields.paymentToken)
      text('accessPeriod', fields.accessPeriod)
      text('splits', fields.splits !== undefined ? JSON.stringify(fields.splits) : undefined)
      text('prover', fields.prover)
      // Last: the node reads the fields before it streams the file.
      parts.push({ name: 'file', value: file, fileName: publishOptions.fileName ?? (file as Partial<File>).name ?? 'upload' })
      return upload<PublicationAccepted>(API.publishDataset, '/datasets', parts, publishOptions)
    },

    /**
     * The mapping the node would read a file with (POST /mappings/preview): inferred, or `mapping`
     * checked, and the first rows read with it. Send the file's head (the node reads at most 1 MiB).
     */
    previewMapping(
      file: Blob,
      previewOptions: CallOptions & { mapping?: ImportMapping | undefined; fileName?: string } = {},
    ): Promise<MappingPreview> {
      const parts: MultipartPart[] = []
      if (previewOptions.mapping !== undefined) parts.push({ name: 'mapping', value: JSON.stringify(previewOptions.mapping) })
      parts.push({ name: 'file', value: file, fileName: previewOptions.fileName ?? (file as Partial<File>).name ?? 'upload' })
      return upload<MappingPreview>(API.previewMapping, '/mappings/preview', parts, previewOptions)
    },

    /** Where a publication stands (GET /jobs/:id). */
    publication(jobId: string, callOptions: CallOptions = {}): Promise<PublicationStatus> {
      return call<PublicationStatus>(API.publication, `/jobs/${id(jobId)}`, { signal: callOptions.signal ?? null })
    },

    /**
     * The node's publications, newest first (GET /jobs, the operator's): a page of `limit` (1–100,
     * default 20) after `offset`, each with its status, title and creation time.
     */
    publications(query: { limit?: number; offset?: number } = {}, callOptions: CallOptions = {}): Promise<PublicationList> {
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
      const qs = params.toString()
      return call<PublicationList>(API.publications, `/jobs${qs === '' ? '' : `?${qs}`}`, { signal: callOptions.signal ?? null })
    },

    /** Submits a failed publication again (POST /jobs/:id/retry): it goes on from where it stopped. */
    retryPublication(jobId: string, callOptions: CallOptions = {}): Promise<PublicationAccepted> {
      return call<PublicationAccepted>(API.retryPublication, `/jobs/${id(jobId)}/retry`, {
        method: 'POST',
        signal: callOptions.signal ?? null,
      })
    },

    /**
     * A publication's progress as the node sends it (GET /jobs/:id/events): `progress` on every
     * change, then `done` or `failed`, then the end. See `followPublication` to follow one through
     * the node's restarts.
     */
    async *publicationEvents(jobId: string, callOptions: CallOptions = {}): AsyncGenerator<{ event: string; status: PublicationStatus }> {
      const res = await send(`/jobs/${id(jobId)}/events`, { headers: { accept: 'text/event-stream' }, signal: callOptions.signal ?? null })
      if (!res.ok || res.body === null) throw refusal(res.status, res.statusText, await jsonOf(res))
      for await (const { event, data } of readEventStream(bytesOf(res.body))) yield { event, status: JSON.parse(data) as PublicationStatus }
    },

    /**
     * Mirrors an anchored dataset, or every dataset the node's catalog knows (`all: true`), onto the
     * node from another node or trustless gateway (POST /mirrors, the operator's): the node checks
     * every block against its CID and the manifest against its anchor, pins it, and lists `from`
     * and itself as its providers. Answers once done: give a long `signal`, or none.
     */
    mirror(request: MirrorRequest, callOptions: CallOptions = {}): Promise<MirrorReport> {
      return postJson<MirrorReport>(API.mirror, '/mirrors', request, callOptions)
    },

    /** What a device key signs to be registered to the node's account (GET /devices/registration, the operator's). */
    deviceRegistration(): Promise<RegistrationTermsResponse> {
      return call<RegistrationTermsResponse>(API.deviceRegistration, '/devices/registration')
    },

    /** Registers a device's public key to the node's account (POST /devices, the operator's). */
    registerDevice(request: RegisterDeviceRequest): Promise<DeviceRegistered> {
      return postJson<DeviceRegistered>(API.registerDevice, '/devices', request)
    },

    /** Who owns a device and whether this node may publish its batches (GET /devices/:id). */
    device(deviceId: bigint | string): Promise<DeviceView> {
      return call<DeviceView>(API.device, `/devices/${id(String(deviceId))}`)
    },

    /** Creates a stream on the node's account (POST /streams, the operator's). */
    createStream(request: CreateStreamRequest): Promise<StreamCreated> {
      return postJson<StreamCreated>(API.createStream, '/streams', request)
    },

    /** The node's streams (GET /streams), without their windows. */
    async streams(): Promise<StreamSummary[]> {
      return (await call<{ streams: StreamSummary[] }>(API.streams, '/streams')).streams
    },

    /** A stream's terms, live status and windows (GET /streams/:id). */
    stream(streamId: string): Promise<StreamView> {
      return call<StreamView>(API.stream, `/streams/${id(streamId)}`)
    },

    /**
     * Sends signed batches to a stream (POST /streams/:id/readings): NDJSON text, or the batches.
     * Resolves with one result per batch, also when some were refused (the others are kept).
     */
    sendReadings(streamId: string, batches: string | readonly unknown[]): Promise<IngestResponse> {
      const body = typeof batches === 'string' ? batches : batches.map((b) => JSON.stringify(b)).join('\n')
      return call<IngestResponse>(
        API.sendReadings,
        `/streams/${id(streamId)}/readings`,
        { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body },
        [422],
      )
    },

    /**
     * A circuit's verification key (GET /circuits/:id/vkey.json), accepted only if its sha256 is
     * the one the committed artifact manifest records: the node cannot swap in a key that accepts
     * forged proofs.
     */
    async verificationKey(circuitId: string): Promise<{ vkey: VerificationKey; vkeyHash: string }> {
      const res = await send(`/circuits/${id(circuitId)}/vkey.json`)
      if (!res.ok) throw refusal(res.status, res.statusText, await jsonOf(res))
      let bytes: Uint8Array
      try {
        bytes = new Uint8Array(await res.arrayBuffer())
      } catch (err) {
        throw NodeUnreachableError.wrap(options.node, err)
      }
      await checkArtifact(circuitId, 'vkey', bytes, `${circuitId} verification key from ${options.node}`)
      return { vkey: JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey, vkeyHash: await sha256Hex(bytes) }
    },

    /** Whether this browser's session (or the client's token) is the operator's (GET /operator/session). */
    operatorSession(callOptions: CallOptions = {}): Promise<OperatorSession> {
      return call<OperatorSession>(API.operatorSession, '/operator/session', { signal: callOptions.signal ?? null })
    },

    /** A single-use nonce and the node's host and chain for a Sign-In with Ethereum message (GET /operator/siwe). */
    siweChallenge(callOptions: CallOptions = {}): Promise<SiweChallenge> {
      return call<SiweChallenge>(API.siweNonce, '/operator/siwe', { signal: callOptions.signal ?? null })
    },

    /** Opens an operator session (POST /operator/session) with the token or a signed SIWE message: a browser gets its cookie. */
    signIn(credentials: SignInRequest, callOptions: CallOptions = {}): Promise<OperatorSession> {
      return postJson<OperatorSession>(API.signIn, '/operator/session', credentials, callOptions)
    },

    /** Ends this browser's operator session (DELETE /operator/session). */
    signOut(callOptions: CallOptions = {}): Promise<OperatorSession> {
      return call<OperatorSession>(API.signOut, '/operator/session', { method: 'DELETE', signal: callOptions.signal ?? null })
    },

    /**
     * The chain and contract addresses the node works with (and its RPC URL when it runs a local
     * chain); the client's `deployment` option instead, when given.
     */
    deployment(): Promise<Deployment & { rpcUrl?: string }> {
      deploymentPromise ??= call<Record<string, unknown>>(API.deployment, '/deployment').then(
        ({ rpcUrl, ...rest }) => ({ ...parseDeployment(rest), ...(typeof rpcUrl === 'string' ? { rpcUrl } : {}) }),
        (err: unknown) => {
          // Not kept: a node that was away a moment ago may answer the next call.
          deploymentPromise = undefined
          throw err
        },
      )
      return deploymentPromise
    },

    search(query: Record<string, string | number | bigint | boolean | undefined> = {}): Promise<SearchResult> {
      const params = new URLSearchParams()
      for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v))
      return call<SearchResult>(API.searchDatasets, `/datasets?${params}`)
    },

    get(datasetId: bigint | string): Promise<DatasetPage> {
      return call<DatasetPage>(API.dataset, `/datasets/${datasetId}`)
    },

    /**
     * One raw block by CID, checked against it: from the client's node, or the first of
     * `providers` that serves it (one that is away, refuses, sends another block or more than
     * MAX_BLOCK_BYTES is skipped).
     */
    async block(cid: CID, contentOptions: ContentOptions = {}): Promise<Uint8Array> {
      return firstProvider(
        contentOptions.providers ?? [options.node],
        cid.toString(),
        async (provider) => {
          const res = await fetchFrom(provider, `ipfs/${cid.toString()}?format=raw`, contentOptions.signal)
          if (!res.ok) {
            await res.body?.cancel().catch(() => undefined)
            throw new AssayApiError(res.status, 'BlockUnavailable', `${cid.toString()} is not served by ${provider}`)
          }
          // Read as it comes and cut off past the bound: the provider chooses how much it sends.
          const tooLarge = () =>
            new ContentTooLargeError(
              cid.toString(),
              MAX_BLOCK_BYTES,
              `${provider} sent more than the ${MAX_BLOCK_BYTES} bytes a block may have`,
            )
          if (Number(res.headers.get('content-length') ?? 0) > MAX_BLOCK_BYTES) {
            await res.body?.cancel().catch(() => undefined)
            throw tooLarge()
          }
          const parts: Uint8Array[] = []
          let size = 0
          if (res.body !== null)
            for await (const part of bytesOf(res.body, provider)) {
              size += part.length
              if (size > MAX_BLOCK_BYTES) throw tooLarge()
              parts.push(part)
            }
          return checkedBlock(cid, concatBytes(parts))
        },
        { signal: signalOf(contentOptions.signal) },
      )
    },

    /**
     * A CID's whole DAG as a CAR stream (check blocks with storage's readFileFromCar): from the
     * client's node, or the first of `providers` that answers. A connection lost midway ends the
     * stream with a NodeUnreachableError (start again, e.g. with firstProvider, to go on elsewhere).
     */
    async car(cid: CID, contentOptions: ContentOptions = {}): Promise<AsyncIterable<Uint8Array>> {
      return firstProvider(
        contentOptions.providers ?? [options.node],
        cid.toString(),
        async (provider) => {
          const res = await fetchFrom(provider, `ipfs/${cid.toString()}?format=car`, contentOptions.signal)
          if (!res.ok || res.body === null) {
            await res.body?.cancel().catch(() => undefined)
            throw new AssayApiError(res.status, 'ContentUnavailable', `${cid.toString()} is not served by ${provider}`)
          }
          return bytesOf(res.body, provider)
        },
        { signal: signalOf(contentOptions.signal) },
      )
    },

    /**
     * The dataset's manifest, fetched by its CID and accepted only if the on-chain anchor
     * (keccak of CID, key commitment and stats digest) matches it.
     */
    async verifiedManifest(
      datasetId: bigint,
      chain: Pick<ChainClient, 'datasetOf'>,
      manifestCid?: string,
      contentOptions: ContentOptions = {},
    ): Promise<{ manifest: Manifest; manifestCid: string }> {
      const cidText = manifestCid ?? (await client.get(datasetId)).manifestCid
      const cid = CID.parse(cidText)
      const manifest = parseManifest(JSON.parse(new TextDecoder().decode(await client.block(cid, contentOptions))))
      const record = await chain.datasetOf(datasetId)
      const anchor = computeAnchor(cidText, BigInt(manifest.encryption.keyCommitment), statsDigestOf(manifest.stats))
      if (anchor !== record.anchor)
        throw new VerificationError('manifest-anchor', `manifest ${cidText} is not the one anchored for dataset ${datasetId}`)
      if (BigInt(manifest.commitments.root) !== record.root)
        throw new VerificationError('root', `manifest root differs from the anchored root of dataset ${datasetId}`)
      return { manifest, manifestCid: cidText }
    },

    /**
     * Buys access with the signer's wallet (approving an ERC-20 first when the listing asks for one)
     * on the terms the buyer was shown: the market reverts (ListingChanged) if they changed since.
     */
    async buy(signer: Signer, datasetId: bigint, agreed?: AgreedTerms): Promise<{ txHash: string; expiresAt: bigint; price: bigint }> {
      return createChainClient(signer, await client.deployment()).buy(datasetId, agreed)
    },

    /**
     * Asks the node for the dataset's key: a fresh ephemeral key pair, an EIP-712 request signed
     * by the buyer's wallet, and the answer opened with the ephemeral key and checked against the
     * anchored key commitment.
     */
    async requestKey(signer: Signer, datasetId: bigint, keyCommitment: string, options: { lifetimeS?: number } = {}): Promise<Uint8Array> {
      const ephemeral = new SigningKey(hexlify(randomBytes(32)))
      const request: KeyRequest = {
        buyer: await signer.getAddress(),
        datasetId,
        ephemeralPublicKey: ephemeral.compressedPublicKey,
        nonce: hexlify(randomBytes(32)),
        expiry: BigInt(Math.floor(Date.now() / 1000) + (options.lifetimeS ?? 300)),
      }
      const signature = await signKeyRequest(signer, await client.deployment(), request)
      const answer = await postJson<{ wrappedKey: string; context: string }>(API.requestKey, `/datasets/${datasetId}/key`, {
        request: { ...request, datasetId: datasetId.toString(), expiry: request.expiry.toString() },
        signature,
      })
      const key = await unwrapKeyWeb(ephemeral.privateKey, decodeBase64(answer.wrappedKey), { context: answer.context })
      if ((await computeKeyCommitment(key)).toString() !== keyCommitment)
        throw new VerificationError('key-commitment', `the key released for dataset ${datasetId} does not match its anchored commitment`)
      return key
    },

    /**
     * Opens a KeyEscrow order (trustless key delivery): derives the buyer key from the wallet (one
     * signature, see deriveBuyerKey) unless one is given, and escrows the price on the agreed terms
     * (default: the listing as read now). The seller's node settles it; see `waitForKey`.
     */
    async openOrder(signer: Signer, datasetId: bigint, agreed?: AgreedTerms, keyOptions: BuyerKeyOptions = {}): Promise<OpenedOrder> {
      const deployment = await client.deployment()
      assertSafeEscrow(deployment.chainId)
      await committedEscrow(signer, deployment)
      const buyerKey = keyOptions.buyerKey ?? (await deriveBuyerKey(signer, deployment))
      return createChainClient(signer, deployment).openOrder(datasetId, buyerKey.publicKey, agreed)
    },

    /**
     * Waits for an order's settlement on the chain and opens the data key from it with the buyer
     * key — no request to any node. The key is checked against the dataset's anchored commitment.
     *
     * @throws {OrderNotFoundError} when no order has this id
     * @throws {BuyerKeyMismatchError} when the order was opened for another buyer key
     * @throws {OrderRefundedError} when the order was refunded instead
     * @throws {KeyDeliveryTimeoutError} when nothing arrived in time (the buyer may refund from the order's deadline on)
     * @throws {KeyTransferError} when the settlement does not open to the committed key
     */
    async waitForKey(signer: Signer, orderOrId: bigint | EscrowOrder, waitOptions: WaitForKeyOptions = {}): Promise<DeliveredKey> {
      const deployment = await client.deployment()
      const chain = createChainClient(signer, deployment)
      const order = typeof orderOrId === 'bigint' ? await chain.orderOf(orderOrId) : orderOrId
      if (order === undefined) throw new OrderNotFoundError(orderOrId as bigint)
      return waitForSettlement(signer, deployment, order, waitOptions, {
        settlement: () => chain.settlementOf(order.id),
        async closed() {
          if ((await chain.orderStatus(order.id)) === 'refunded') throw new OrderRefundedError(order.id)
        },
        timedOut: (timeoutMs) => Promise.resolve(new KeyDeliveryTimeoutError(order.id, order.deadline, timeoutMs)),
      })
    },

    /**
     * Buys through the key escrow: opens an order (`openOrder`) and waits for its settlement
     * (`waitForKey`), with one wallet signature for the buyer key.
     *
     * @example
     * const { order, key } = await client.buyTrustless(signer, 7n, { timeoutMs: 60_000 })
     */
    async buyTrustless(
      signer: Signer,
      datasetId: bigint,
      buyOptions: BuyTrustlessOptions = {},
    ): Promise<DeliveredKey & { order: OpenedOrder }> {
      const { agreed, onOrder, ...waitOptions } = buyOptions
      const deployment = await client.deployment()
      assertSafeEscrow(deployment.chainId) // before asking the wallet for anything
      await committedEscrow(signer, deployment)
      const buyerKey = waitOptions.buyerKey ?? (await deriveBuyerKey(signer, deployment))
      const order = await client.openOrder(signer, datasetId, agreed, { buyerKey })
      onOrder?.(order)
      return { order, ...(await client.waitForKey(signer, order, { ...waitOptions, buyerKey })) }
    },

    /**
     * The data key from this buyer's latest settlement for the dataset (newest first, the first
     * that opens with the buyer key), or undefined when there is none: the chain keeps every
     * settlement, so the key is re-derived here rather than stored.
     *
     * @throws {KeyTransferError} when settlements exist but none opens with this buyer key
     */
    async trustlessKey(signer: Signer, datasetId: bigint, keyOptions: BuyerKeyOptions = {}): Promise<Uint8Array | undefined> {
      const deployment = await client.deployment()
      const chain = createChainClient(signer, deployment)
      const settlements = await chain.settlementsOf(await signer.getAddress(), datasetId)
      if (settlements.length === 0) return undefined
      const buyerKey = keyOptions.buyerKey ?? (await deriveBuyerKey(signer, deployment))
      let newest: unknown
      for (const settlement of settlements.reverse()) {
        try {
          return await openSettlement(chain, buyerKey, settlement)
        } catch (err) {
          if (!(err instanceof KeyTransferError)) throw err
          newest ??= err
        }
      }
      throw newest
    },

    /**
     * Opens a trustless subscription (a KeyEscrow stream order): `periods` periods of the stream's
     * windows from `firstWindow`, paid into escrow. The stream's node settles each window once its
     * dataset is attached, releasing that window's share; see `waitForWindowKey`. The buyer key is
     * derived from the wallet unless given.
     */
    async openStreamOrder(signer: Signer, streamId: bigint, orderOptions: OpenStreamOrderOptions = {}): Promise<OpenedStreamOrder> {
      const deployment = await client.deployment()
      assertSafeEscrow(deployment.chainId)
      await committedEscrow(signer, deployment)
      const chain = createChainClient(signer, deployment)
      let firstWindow = orderOptions.firstWindow
      if (firstWindow === undefined) {
        const stream = await chain.streamOf(streamId)
        const now = BigInt((await signer.provider?.getBlock('latest'))?.timestamp ?? Math.floor(Date.now() / 1000))
        firstWindow = now > stream.start ? (now - stream.start) / stream.windowLength : 0n
      }
      const buyerKey = orderOptions.buyerKey ?? (await deriveBuyerKey(signer, deployment))
      return chain.openStreamOrder(streamId, firstWindow, orderOptions.periods ?? 1n, buyerKey.publicKey, orderOptions.agreedPricePerPeriod)
    },

    /**
     * Waits for one window of a stream order to be settled on the chain and opens its data key with
     * the buyer key (no request to any node), checked against the window dataset's anchored commitment.
     *
     * @throws {OrderNotFoundError} when no stream order has this id
     * @throws {BuyerKeyMismatchError} when the order was opened for another buyer key
     * @throws {OrderRefundedError} when the window was refunded instead
     * @throws {KeyDeliveryTimeoutError} when nothing arrived in time
     */
    async waitForWindowKey(
      signer: Signer,
      orderOrId: bigint | StreamEscrowOrder,
      windowIndex: bigint,
      waitOptions: WaitForKeyOptions = {},
    ): Promise<DeliveredKey> {
      const deployment = await client.deployment()
      const chain = createChainClient(signer, deployment)
      const order = typeof orderOrId === 'bigint' ? await chain.streamOrderOf(orderOrId) : orderOrId
      if (order === undefined) throw new OrderNotFoundError(orderOrId as bigint)
      return waitForSettlement(signer, deployment, order, waitOptions, {
        settlement: () => chain.windowSettlementOf(order.id, windowIndex),
        async closed() {
          const status = await chain.windowStatus(order, windowIndex)
          if (status === 'refunded') throw new OrderRefundedError(order.id, windowIndex)
          if (status === 'none') throw new OrderNotFoundError(order.id, windowIndex)
        },
        timedOut: async (timeoutMs) =>
          new KeyDeliveryTimeoutError(order.id, await chain.windowDeadline(order, windowIndex), timeoutMs, windowIndex),
      })
    },

    /**
     * Pays back the unsettled windows of a stream order in [fromWindow, toWindow) (default: the
     * whole order) to its buyer, once the last of them is past its deadline (its end plus the
     * escrow's settlement window): before, the escrow reverts with DeadlineNotReached.
     *
     * @throws {OrderNotFoundError} when no stream order has this id
     * @throws {ContractError} with the escrow's refusal (`DeadlineNotReached`, `NothingToRefund`, `WindowNotInOrder`)
     */
    async refundWindows(
      signer: Signer,
      orderId: bigint,
      range: { fromWindow?: bigint; toWindow?: bigint } = {},
    ): Promise<TxResult & { amount: bigint; order: OpenedStreamOrder }> {
      const chain = createChainClient(signer, await client.deployment())
      const order = await chain.streamOrderOf(orderId)
      if (order === undefined) throw new OrderNotFoundError(orderId)
      const from = range.fromWindow ?? order.firstWindow
      let to = range.toWindow
      if (to === undefined) {
        // Up to the last window past its deadline now (deadlines never fall with the index): the
        // escrow refuses a range whose last window is not past it.
        const now = BigInt((await signer.provider?.getBlock('latest'))?.timestamp ?? Math.floor(Date.now() / 1000))
        const settlementWindow = await chain.settlementWindow()
        const end = order.firstWindow + order.windowCount
        if (windowDeadlineOf(order, from, settlementWindow) > now) {
          to = from + 1n // none is: the escrow's DeadlineNotReached names the first deadline
        } else {
          // Windows that ended by now − settlementWindow are past their deadlines (and so are those
          // that ended before the opening: the first window's deadline has passed).
          const ended = (now - settlementWindow - order.streamStart) / order.windowLength
          to = ended < end ? ended : end
        }
      }
      // In chunks one transaction can hold (~390 gas a window); a chunk with nothing left to refund is skipped.
      let amount = 0n
      let last: TxResult | undefined
      let nothing: unknown
      for (let at = from; at < to; at += REFUND_CHUNK) {
        const upTo = at + REFUND_CHUNK < to ? at + REFUND_CHUNK : to
        try {
          const r = await chain.refundWindows(order, at, upTo)
          amount += r.amount
          last = r
        } catch (err) {
          if (!(err instanceof ContractError && err.errorName === 'NothingToRefund') || to - from <= REFUND_CHUNK) throw err
          nothing ??= err
        }
      }
      if (last === undefined) throw nothing
      return { txHash: last.txHash, blockNumber: last.blockNumber, amount, order }
    },

    /**
     * Pays an unsettled order back to its buyer (anyone may send it; the escrow pays the buyer), from
     * the order's deadline on: before it the escrow reverts with DeadlineNotReached.
     *
     * @throws {OrderNotFoundError} when no order has this id
     * @throws {ContractError} with the escrow's refusal (`DeadlineNotReached`, `OrderNotOpen`)
     */
    async refundOrder(signer: Signer, orderId: bigint): Promise<TxResult & { order: OpenedOrder }> {
      const chain = createChainClient(signer, await client.deployment())
      const order = await chain.orderOf(orderId)
      if (order === undefined) throw new OrderNotFoundError(orderId)
      return { ...(await chain.refundOrder(order)), order }
    },
  }

  /**
   * Polls the chain for a settlement to `order`'s buyer key and opens the key from it (checked
   * against the anchored commitment): `closed` throws when no settlement can come any more.
   */
  async function waitForSettlement(
    signer: Signer,
    deployment: Deployment,
    order: { id: bigint; buyerKey: bigint },
    waitOptions: WaitForKeyOptions,
    watch: {
      settlement: () => Promise<KeySettlement | undefined>
      closed: () => Promise<void>
      timedOut: (timeoutMs: number) => Promise<Error>
    },
  ): Promise<DeliveredKey> {
    const chain = createChainClient(signer, deployment)
    const buyerKey = waitOptions.buyerKey ?? (await deriveBuyerKey(signer, deployment))
    if (order.buyerKey !== buyerKey.publicKey) throw new BuyerKeyMismatchError(order.id, order.buyerKey, buyerKey.publicKey)
    const timeoutMs = waitOptions.timeoutMs ?? 600_000
    const giveUpAt = Date.now() + timeoutMs
    for (;;) {
      waitOptions.signal?.throwIfAborted()
      const settlement = await watch.settlement()
      if (settlement !== undefined) return { key: await openSettlement(chain, buyerKey, settlement), settlement }
      await watch.closed()
      if (Date.now() >= giveUpAt) throw await watch.timedOut(timeoutMs)
      await sleep(Math.min(waitOptions.pollMs ?? 1_000, Math.max(0, giveUpAt - Date.now())), waitOptions.signal)
    }
  }

  /**
   * The deployment's escrow and its verifier are the committed contracts (assertCommittedEscrow),
   * checked once per client before the first payment into it.
   */
  function committedEscrow(signer: Signer, deployment: Deployment): Promise<void> {
    if (signer.provider === null)
      throw new EscrowCodeMismatchError(deployment.contracts.keyEscrow, 'the wallet has no provider to read it with')
    escrowChecked ??= assertCommittedEscrow(signer.provider, deployment)
    escrowChecked.catch(() => (escrowChecked = undefined))
    return escrowChecked
  }

  /** Opens a settlement's key with the buyer key, against the dataset's anchored key commitment. */
  async function openSettlement(
    chain: Pick<ChainClient, 'anchorPreimageOf'>,
    buyerKey: BuyerKey,
    settlement: KeySettlement,
  ): Promise<Uint8Array> {
    const { keyCommitment } = await chain.anchorPreimageOf(settlement.datasetId)
    return decryptKeyTransfer(buyerKey.secret, {
      ephemeralPublicKey: settlement.ephemeralKey,
      ciphertext: [settlement.cipherHi, settlement.cipherLo],
      orderNonce: settlement.nonce,
      keyCommitment,
    })
  }
  return client
}

export type AssayClient = ReturnType<typeof createAssayClient>
