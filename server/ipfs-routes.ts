import { Router } from 'express'
import { CID } from 'multiformats/cid'
import type { ContentStore } from '../storage/index.js'
import { ValidationError } from './validation-error.js'
import { NotFoundError } from './not-found-error.js'

export interface IpfsApi {
  contentStore: Pick<ContentStore, 'exportCar' | 'getBytes' | 'isPinned'>
  /**
   * Content this node serves even when it does not hold it, fetching it from its IPFS peers: the
   * catalogued datasets' manifests and what they name. Anything else is served only when pinned.
   */
  catalogued?: (cid: string) => boolean
}

const CAR = 'application/vnd.ipld.car'
const RAW = 'application/vnd.ipld.raw'

/**
 * A trustless gateway subset: GET /ipfs/:cid as a CAR (`?format=car` or `Accept:
 * application/vnd.ipld.car`) or as one raw block. Clients check every block against its CID, so
 * they need not trust this node; what it serves is public (manifests, bundles, previews) or
 * encrypted (dataset content). Only pinned roots, and content of catalogued datasets, are served.
 */
export function ipfsRoutes(api: IpfsApi): Router {
  const router = Router()
  router.get('/ipfs/:cid', async (req, res, next) => {
    let cid: CID
    try {
      cid = CID.parse(String(req.params.cid))
    } catch {
      return next(new ValidationError('cid: not a CID'))
    }
    const accept = String(req.headers.accept ?? '')
    const format = req.query.format ?? (accept.includes(CAR) ? 'car' : accept.includes(RAW) ? 'raw' : undefined)
    if (format !== 'car' && format !== 'raw')
      return next(new ValidationError('format: ask for car or raw (a trustless gateway serves no files)'))
    // A gateway for what this node holds: it never fetches from the network for a client.
    try {
      if (!(await api.contentStore.isPinned(cid)) && api.catalogued?.(cid.toString()) !== true)
        return next(new NotFoundError(`${cid.toString()} is not held by this node`))
    } catch (err) {
      return next(err)
    }
    const signal = AbortSignal.timeout(30_000)
    res.setHeader('cache-control', 'public, max-age=31536000, immutable')
    res.setHeader('etag', `"${cid.toString()}.${format}"`)
    try {
      if (format === 'raw') {
        const bytes = await api.contentStore.getBytes(cid, { signal })
        return void res.type(RAW).send(Buffer.from(bytes))
      }
      const blocks = api.contentStore.exportCar(cid, { signal })
      const first = await blocks.next() // fails before any header is sent when the root is unknown
      res.type(`${CAR}; version=1`)
      if (first.done !== true) res.write(first.value)
      for await (const chunk of blocks) if (!res.write(chunk)) await new Promise((r) => res.once('drain', r))
      res.end()
    } catch (err) {
      if (res.headersSent) res.destroy(err as Error)
      else next(err)
    }
  })
  return router
}
