import { Router, type Request, type RequestHandler, type Response } from 'express'
import { identity } from 'multiformats/hashes/identity'
import type { CID } from 'multiformats/cid'
import { carV1Block, carV1Header, type ContentStore, type DagBlock } from '../storage/index.js'
import { gatewayCors } from './gateway-cors.js'
import {
  byteRangeOf,
  CAR_TYPE,
  etagOf,
  matchesEtag,
  onlyIfCached,
  parseGatewayRequest,
  RAW_TYPE,
  type GatewayRequest,
} from './gateway-request.js'
import { createGatewayWriter } from './gateway-writer.js'
import { NotFoundError } from './not-found-error.js'

export interface IpfsApi {
  contentStore: Pick<ContentStore, 'getBlock' | 'hasBlock' | 'isPinned' | 'resolvePath' | 'selectBlocks'>
  /**
   * Content this node serves even when it does not hold it, fetching it from its IPFS peers: the
   * catalogued datasets' manifests and what they name. Anything else is served only when pinned.
   */
  catalogued?: (cid: string) => boolean
  /** How long one block may take to arrive, from disk or a peer (default 30 s). */
  blockTimeoutMs?: number
  /**
   * How long a client may leave an answer unread before the node drops it (default 60 s); also the
   * most time a client can bank against `minBytesPerSecond`.
   */
  stallTimeoutMs?: number
  /**
   * The rate a client must keep up, on average, while the node waits for it to read (default
   * 16 KiB/s): a client that reads a byte now and then, to hold a connection slot, is dropped.
   */
  minBytesPerSecond?: number
  /**
   * The longest one answer may last, however fast its client reads (default 1 hour: a 1 GiB
   * dataset at 300 KB/s). Larger content is read in parts (`entity-bytes`) or block by block.
   */
  maxResponseMs?: number
  /**
   * Blocks one answer may read that add nothing to it (a block met again, a path's search) before
   * it ends with DagWalkLimitError (default 10,000). Each other read sends a block.
   */
  maxIdleReads?: number
}

/** The codecs Assay stores (raw leaves, dag-pb nodes): pinned content is served under these alone. */
const STORED_CODECS = new Set([0x55, 0x70])

/** `/ipfs/` content never changes: the spec's caching for immutable paths. */
const IMMUTABLE = 'public, max-age=29030400, immutable'

const isIdentity = (cid: CID): boolean => cid.multihash.code === identity.code

/** The UnixFS path segments express matched (`*path`), as given. */
function pathOf(req: Request): string[] {
  const path = (req.params as Record<string, unknown>).path
  return Array.isArray(path) ? path.map(String) : []
}

/** This URL with `?format=` set: where generic HTTP caches find this representation. */
function contentLocation(req: Request, format: string): string {
  const url = new URL(req.originalUrl, 'http://gateway.invalid')
  url.searchParams.set('format', format)
  return `${url.pathname}${url.search}`
}

/** Headers of every answer with a representation (200, and 304 which stands for one). */
function representationHeaders(res: Response, etag: string): void {
  res.setHeader('etag', etag)
  res.setHeader('cache-control', IMMUTABLE)
}

/** Headers of a 200: what the payload is, where it is from, and that a browser must not render it. */
function payloadHeaders(req: Request, res: Response, request: GatewayRequest, roots: readonly CID[]): void {
  const given = String(req.params.cid)
  res.setHeader('content-disposition', `attachment; filename="${given}.${request.format === 'car' ? 'car' : 'bin'}"`)
  res.setHeader('x-content-type-options', 'nosniff')
  res.setHeader('x-ipfs-path', `/ipfs/${given}${request.path.map((s) => `/${encodeURIComponent(s)}`).join('')}`)
  res.setHeader('x-ipfs-roots', roots.map(String).join(','))
  if (request.formatFrom === 'accept') res.setHeader('content-location', contentLocation(req, request.format))
  res.setHeader(
    'content-type',
    request.format === 'raw' ? RAW_TYPE : `${CAR_TYPE}; version=1; order=dfs; dups=${request.car.dups ? 'y' : 'n'}`,
  )
}

/**
 * A trustless gateway (specs.ipfs.tech/http-gateways/trustless-gateway) for what this node may
 * serve: `GET|HEAD /ipfs/{cid}[/{path}]` as one raw block (`?format=raw`) or a CARv1
 * (`?format=car`, with `dag-scope`, `entity-bytes`, `car-dups`; blocks always depth-first), the
 * format from `?format=` or from `Accept` (weights honoured). Clients check every block against
 * its CID, so they need not trust this node; what it serves is public (manifests, bundles,
 * previews) or encrypted (dataset content). Only pinned content, content of catalogued datasets
 * and identity CIDs (answered from the CID) are served; the node is no proxy for the network.
 * Pinned content is read from the pins alone, offline, under the codecs Assay stores: pins are
 * keyed by multihash, so a pinned block named under another codec must not lead the node to
 * fetch what its bytes happen to link to.
 * Memory stays at a block or two per request: a raw answer is one block, a CAR streams. Time is
 * bounded too: per block (`blockTimeoutMs`), per client's pace (`stallTimeoutMs`,
 * `minBytesPerSecond`), per answer (`maxResponseMs`), and a DAG that links to the same blocks over
 * and over is walked once (`maxIdleReads`).
 */
export function ipfsRoutes(api: IpfsApi): Router {
  const blockTimeoutMs = api.blockTimeoutMs ?? 30_000
  const stallMs = api.stallTimeoutMs ?? 60_000
  const minBytesPerSecond = api.minBytesPerSecond ?? 16 * 1024
  const maxResponseMs = api.maxResponseMs ?? 3_600_000
  const maxIdleReads = api.maxIdleReads ?? 10_000
  const router = Router()
  router.use('/ipfs', gatewayCors)

  const serve: RequestHandler = async (req, res, next) => {
    res.setHeader('vary', 'Accept')
    // Ends block reads and the CAR when the client goes.
    const gone = new AbortController()
    res.once('close', () => gone.abort())
    // However fast the client reads, an answer ends: it holds a connection slot and a walk.
    const lifetime = setTimeout(() => res.destroy(), maxResponseMs)
    const within = (): AbortSignal => AbortSignal.any([gone.signal, AbortSignal.timeout(blockTimeoutMs)])
    const out = createGatewayWriter(res, { stallMs, minBytesPerSecond, signal: gone.signal })
    let blocks: AsyncGenerator<DagBlock> | undefined
    try {
      const request = parseGatewayRequest({ cid: String(req.params.cid), path: pathOf(req), query: req.query, accept: req.get('accept') })
      const { cid } = request
      const catalogued = api.catalogued?.(cid.toString()) === true
      if (!isIdentity(cid) && !catalogued) {
        if (!(await api.contentStore.isPinned(cid)))
          throw new NotFoundError(`${cid.toString()} is not served by this node: it serves pinned content and catalogued datasets`)
        if (!STORED_CODECS.has(cid.code))
          throw new NotFoundError(
            `${cid.toString()} names pinned bytes under codec 0x${cid.code.toString(16)}: this node serves pinned content under the codecs it stores it with (raw, dag-pb)`,
          )
      }
      // What is not catalogued is read from the pins alone, never from the network.
      const source = { pinnedOnly: !catalogued }
      // An identity CID holds its block; following its links would fetch blocks nobody vetted.
      if (isIdentity(cid) && request.path.length > 0)
        throw new NotFoundError(`${cid.toString()} is an identity CID: this node answers it from the CID alone, with no path`)

      const etag = etagOf(request)
      if (matchesEtag(req.get('if-none-match'), etag)) {
        representationHeaders(res, etag)
        return void res.status(304).end()
      }
      if (onlyIfCached(req.get('cache-control'))) {
        if (!(await api.contentStore.hasBlock(cid))) return void res.status(412).end()
        // A cheap probe: no block is read.
        if (req.method === 'HEAD') {
          representationHeaders(res, etag)
          payloadHeaders(req, res, request, [cid])
          return void res.status(200).end()
        }
      }

      if (request.format === 'raw') {
        const bytes = await api.contentStore.getBlock(cid, { signal: within(), ...source })
        representationHeaders(res, etag)
        payloadHeaders(req, res, request, [cid])
        res.setHeader('content-length', bytes.length)
        return void (await out.end(req.method === 'HEAD' ? undefined : bytes))
      }

      const { scope, entityBytes, dups } = request.car
      // dag-scope=block sends the path's end as it is: no need to decode it, whatever its codec.
      const resolved = await api.contentStore.resolvePath(cid, request.path, {
        signal: within(),
        describe: scope !== 'block',
        maxIdleReads,
        ...source,
      })
      const { entity } = resolved
      if (isIdentity(cid) && entity !== undefined && entity.links > 0)
        throw new NotFoundError(
          `${cid.toString()} is an identity CID that links to other blocks: this node answers it from the CID alone (dag-scope=block)`,
        )
      const range =
        scope === 'entity' && entityBytes !== undefined && entity?.kind === 'file' ? byteRangeOf(entityBytes, entity.size ?? 0) : undefined
      blocks = api.contentStore.selectBlocks(
        resolved.roots.at(-1)!,
        { scope, duplicates: dups, ...(range !== undefined ? { range } : {}) },
        { signal: gone.signal, blockTimeoutMs, maxIdleReads, ...source },
      )
      // The path's end is read before any header is sent: a missing root is a 404, not a broken CAR.
      const first = await blocks.next()
      representationHeaders(res, etag)
      payloadHeaders(req, res, request, resolved.roots)
      res.setHeader('accept-ranges', 'none')
      if (req.method === 'HEAD') return void res.end()
      await out.write(carV1Header([cid]))
      const send = async (block: DagBlock): Promise<void> => {
        if (isIdentity(block.cid)) return // the spec keeps identity blocks out of CARs
        for (const piece of carV1Block(block.cid, block.bytes)) await out.write(piece)
      }
      for (const block of resolved.blocks) await send(block)
      if (first.done !== true) await send(first.value)
      for await (const block of blocks) await send(block)
      await out.end()
    } catch (err) {
      // Once the status is sent a CAR can only be cut short: clients check that it is complete.
      if (res.headersSent) res.destroy(err as Error)
      else next(err)
    } finally {
      clearTimeout(lifetime)
      await blocks?.return(undefined)
    }
  }
  router.get('/ipfs/:cid', serve)
  router.get('/ipfs/:cid/*path', serve)
  return router
}
