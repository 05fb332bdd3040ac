import { decodeBase64, hexlify, randomBytes, SigningKey, type Signer } from 'ethers'
import { CID } from 'multiformats/cid'
import { computeKeyCommitment } from '../circuits/index.js'
import { parseManifest, type Manifest } from '../core/index.js'
import {
  computeAnchor,
  createChainClient,
  parseDeployment,
  signKeyRequest,
  statsDigestOf,
  type AgreedTerms,
  type ChainClient,
  type Deployment,
  type KeyRequest,
} from '../contracts/index.js'
import type { PublicationStatus } from '../pipelines/index.js'
import { checkBlock, unwrapKeyWeb } from '../storage/index.js'
import { AssayApiError } from './assay-api-error.js'
import { NodeUnreachableError } from './node-unreachable-error.js'
import { readEventStream } from './read-event-stream.js'
import { VerificationError } from './verification-error.js'

export interface AssayClientOptions {
  /** The node's HTTP address, e.g. http://127.0.0.1:7420. */
  node: string
  fetch?: typeof fetch
  /** The node operator's token, sent as `Authorization: Bearer …` (publishing, jobs, devices, streams need it). */
  operatorToken?: string | undefined
}

/** A dataset page as the node's catalog serves it (its manifest is checked by `verifiedManifest`). */
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

export interface SearchResult {
  total: number
  limit: number
  offset: number
  items: Array<Omit<DatasetPage, 'manifest'>>
}

/** A CID's raw block, checked against the CID: the node is not trusted. */
async function checkedBlock(cid: CID, bytes: Uint8Array): Promise<Uint8Array> {
  try {
    await checkBlock(cid, bytes)
  } catch (err) {
    throw new VerificationError('block', (err as Error).message, { cause: err })
  }
  return bytes
}

/**
 * Assay's client: catalog reads, buying, key requests, and content by CID from a node. Only the
 * chain and content addressing are trusted: manifests are checked against their on-chain anchor,
 * blocks against their CIDs, keys against their anchored commitments. Browser-safe.
 *
 * A node that cannot be reached, or whose connection breaks in the middle of an answer, is a
 * NodeUnreachableError (never fetch's bare TypeError).
 */
/** A node's error body; `category` and `retryable` are missing from nodes older than the error taxonomy. */
interface ErrorBody {
  name: string
  message: string
  category?: string
  retryable?: boolean
}

export function createAssayClient(options: AssayClientOptions) {
  const http = options.fetch ?? fetch
  const url = (path: string): URL => new URL(path, options.node)
  let deploymentPromise: Promise<Deployment & { rpcUrl?: string }> | undefined

  async function send(path: string, init?: RequestInit): Promise<Response> {
    const headers = new Headers(init?.headers)
    if (options.operatorToken !== undefined && !headers.has('authorization'))
      headers.set('authorization', `Bearer ${options.operatorToken}`)
    try {
      return await http(url(path), { ...init, headers })
    } catch (err) {
      throw NodeUnreachableError.wrap(options.node, err)
    }
  }

  /** A body's bytes as they arrive; a connection lost midway is a NodeUnreachableError. */
  async function* bytesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) yield chunk
    } catch (err) {
      throw NodeUnreachableError.wrap(options.node, err)
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

  const refusal = (res: Response, body: { error?: ErrorBody }): AssayApiError =>
    new AssayApiError(res.status, body.error?.name ?? 'HttpError', body.error?.message ?? res.statusText, {
      category: body.error?.category,
    })

  /** A JSON call; any other status than 2xx (or one of `accept`) is an AssayApiError with the node's error name. */
  async function call<T>(path: string, init?: RequestInit, accept: readonly number[] = []): Promise<T> {
    const res = await send(path, init)
    const body = await jsonOf(res)
    if (!res.ok && !accept.includes(res.status)) throw refusal(res, body)
    return body as T
  }

  const client = {
    /** The node's HTTP address, as given. */
    node: options.node,

    /**
     * Any JSON route of the node (streams, mapping previews, …): the body, or an AssayApiError
     * naming the node's error. Statuses in `accept` return their body too (e.g. 422 with per-item
     * results).
     */
    request<T>(path: string, init?: RequestInit, accept?: readonly number[]): Promise<T> {
      return call<T>(path, init, accept)
    },

    /** The node's health report; a node that answers at all (200 or 503) is there. */
    health(): Promise<{ ok: boolean }> {
      return call<{ ok: boolean }>('/health', undefined, [503])
    },

    /** Where a publication stands (GET /jobs/:id). */
    publication(jobId: string): Promise<PublicationStatus> {
      return call<PublicationStatus>(`/jobs/${encodeURIComponent(jobId)}`)
    },

    /**
     * A publication's progress as the node sends it (GET /jobs/:id/events): `progress` on every
     * change, then `done` or `failed`, then the end. See `followPublication` to follow one through
     * the node's restarts.
     */
    async *publicationEvents(jobId: string): AsyncGenerator<{ event: string; status: PublicationStatus }> {
      const res = await send(`/jobs/${encodeURIComponent(jobId)}/events`, { headers: { accept: 'text/event-stream' } })
      if (!res.ok || res.body === null) throw refusal(res, await jsonOf(res))
      for await (const { event, data } of readEventStream(bytesOf(res.body))) yield { event, status: JSON.parse(data) as PublicationStatus }
    },

    /** The chain and contract addresses the node works with (and its RPC URL when it runs a local chain). */
    deployment(): Promise<Deployment & { rpcUrl?: string }> {
      deploymentPromise ??= call<Record<string, unknown>>('/deployment').then(
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
      return call<SearchResult>(`/datasets?${params}`)
    },

    get(datasetId: bigint | string): Promise<DatasetPage> {
      return call<DatasetPage>(`/datasets/${datasetId}`)
    },

    /** One raw block by CID, checked against it. */
    async block(cid: CID): Promise<Uint8Array> {
      const res = await send(`/ipfs/${cid.toString()}?format=raw`)
      if (!res.ok) throw new AssayApiError(res.status, 'BlockUnavailable', `${cid.toString()} is not served by ${options.node}`)
      let bytes: ArrayBuffer
      try {
        bytes = await res.arrayBuffer()
      } catch (err) {
        throw NodeUnreachableError.wrap(options.node, err)
      }
      return checkedBlock(cid, new Uint8Array(bytes))
    },

    /**
     * A CID's whole DAG as a CAR stream (check blocks with storage's readFileFromCar); a connection
     * lost midway ends it with a NodeUnreachableError.
     */
    async car(cid: CID): Promise<AsyncIterable<Uint8Array>> {
      const res = await send(`/ipfs/${cid.toString()}?format=car`)
      if (!res.ok || res.body === null)
        throw new AssayApiError(res.status, 'ContentUnavailable', `${cid.toString()} is not served by ${options.node}`)
      return bytesOf(res.body)
    },

    /**
     * The dataset's manifest, fetched by its CID and accepted only if the on-chain anchor
     * (keccak of CID, key commitment and stats digest) matches it.
     */
    async verifiedManifest(
      datasetId: bigint,
      chain: Pick<ChainClient, 'datasetOf'>,
      manifestCid?: string,
    ): Promise<{ manifest: Manifest; manifestCid: string }> {
      const cidText = manifestCid ?? (await client.get(datasetId)).manifestCid
      const cid = CID.parse(cidText)
      const manifest = parseManifest(JSON.parse(new TextDecoder().decode(await client.block(cid))))
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
      const answer = await call<{ wrappedKey: string; context: string }>(`/datasets/${datasetId}/key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request: { ...request, datasetId: datasetId.toString(), expiry: request.expiry.toString() }, signature }),
      })
      const key = await unwrapKeyWeb(ephemeral.privateKey, decodeBase64(answer.wrappedKey), { context: answer.context })
      if ((await computeKeyCommitment(key)).toString() !== keyCommitment)
        throw new VerificationError('key-commitment', `the key released for dataset ${datasetId} does not match its anchored commitment`)
      return key
    },
  }
  return client
}

export type AssayClient = ReturnType<typeof createAssayClient>
