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
  /** How long a client may leave a CAR unread before the node drops it (default 60 s). */
  stallTimeoutMs?: number
}

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
 * Writes a chunk, waiting while the client's socket is full. A client that stops reading for
 * `stallMs` is dropped: an unread CAR must not hold the node's blocks and socket for ever.
 */
async function write(res: Response, chunk: Uint8Array, stallMs: number, signal: AbortSignal): Promise<void> {
  if (!res.write(chunk)) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => res.destroy(), stallMs)
      const done = (): void => {
        clearTimeout(timer)
        res.off('drain', done)
        res.off('close', done)
        resolve()
      }
      res.once('drain', done)
      res.once('close', done)
    })
  }
  signal.throwIfAborted()
}

/**
 * A trustless gateway (specs.ipfs.tech/http-gateways/trustless-gateway) for what this node may
 * serve: `GET|HEAD /ipfs/{cid}[/{path}]` as one raw block (`?format=raw`) or a CARv1
 * (`?format=car`, with `dag-scope`, `entity-bytes`, `car-dups`; blocks always depth-first), the
 * format from `?format=` or from `Accept` (weights honoured). Clients check every block against
 * its CID, so they need not trust this node; what it serves is public (manifests, bundles,
 * previews) or encrypted (dataset content). Only pinned content, content of catalogued datasets
 * and identity CIDs (answered from the CID) are served; the node is no proxy for the network.
 * Memory stays at a block or two per request: a raw answer is one block, a CAR streams.
 */
export function ipfsRoutes(api: IpfsApi): Router {
  const blockTimeoutMs = api.blockTimeoutMs ?? 30_000
  const stallMs = api.stallTimeoutMs ?? 60_000
  const router = Router()
  router.use('/ipfs', gatewayCors)

  const serve: RequestHandler = async (req, res, next) => {
    res.setHeader('vary', 'Accept')
    // Ends block reads and the CAR when the client goes.
    const gone = new AbortController()
    res.once('close', () => gone.abort())
    const within = (): AbortSignal => AbortSignal.any([gone.signal, AbortSignal.timeout(blockTimeoutMs)])
    let blocks: AsyncGenerator<DagBlock> | undefined
    try {
      const request = parseGatewayRequest({ cid: String(req.params.cid), path: pathOf(req), query: req.query, accept: req.get('accept') })
      const { cid } = request
      if (!isIdentity(cid) && !(await api.contentStore.isPinned(cid)) && api.catalogued?.(cid.toString()) !== true)
        throw new NotFoundError(`${cid.toString()} is not served by this node: it serves pinned content and catalogued datasets`)
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
        const bytes = await api.contentStore.getBlock(cid, { signal: within() })
        representationHeaders(res, etag)
        payloadHeaders(req, res, request, [cid])
        res.setHeader('content-length', bytes.length)
        return void res.end(req.method === 'HEAD' ? undefined : bytes)
      }

      const resolved = await api.contentStore.resolvePath(cid, request.path, { signal: within() })
      const { entity } = resolved
      const { scope, entityBytes, dups } = request.car
      if (isIdentity(cid) && entity.links > 0 && scope !== 'block')
        throw new NotFoundError(
          `${cid.toString()} is an identity CID that links to other blocks: this node answers it from the CID alone (dag-scope=block)`,
        )
      const range =
        scope === 'entity' && entityBytes !== undefined && entity.kind === 'file' ? byteRangeOf(entityBytes, entity.size ?? 0) : undefined
      blocks = api.contentStore.selectBlocks(
        entity.cid,
        { scope, duplicates: dups, ...(range !== undefined ? { range } : {}) },
        { signal: gone.signal, blockTimeoutMs },
      )
      // The path's end is read before any header is sent: a missing root is a 404, not a broken CAR.
      const first = await blocks.next()
      representationHeaders(res, etag)
      payloadHeaders(req, res, request, resolved.roots)
      res.setHeader('accept-ranges', 'none')
      if (req.method === 'HEAD') return void res.end()
      await write(res, carV1Header([cid]), stallMs, gone.signal)
      const send = async (block: DagBlock): Promise<void> => {
        if (isIdentity(block.cid)) return // the spec keeps identity blocks out of CARs
        for (const piece of carV1Block(block.cid, block.bytes)) await write(res, piece, stallMs, gone.signal)
      }
      for (const block of resolved.blocks) await send(block)
      if (first.done !== true) await send(first.value)
      for await (const block of blocks) await send(block)
      res.end()
    } catch (err) {
      // Once the status is sent a CAR can only be cut short: clients check that it is complete.
      if (res.headersSent) res.destroy(err as Error)
      else next(err)
    } finally {
      await blocks?.return(undefined)
    }
  }
  router.get('/ipfs/:cid', serve)
  router.get('/ipfs/:cid/*path', serve)
  return router
}
