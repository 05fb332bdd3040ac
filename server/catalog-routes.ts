import { Router, type Request, type RequestHandler } from 'express'
import { CID } from 'multiformats/cid'
import { API } from '../api/index.js'
import type { ContentStore } from '../storage/index.js'
import type { Catalog, CatalogEntry } from './catalog.js'
import type { ProviderRegistry } from './provider-registry.js'
import { checkedBody, reply, requestOf } from './contract-route.js'
import { NotFoundError } from './not-found-error.js'

export interface CatalogApi {
  catalog: Catalog
  contentStore: Pick<ContentStore, 'getBytes' | 'isPinned'>
  /** The nodes datasets were mirrored from (absent: none recorded). */
  providers?: Pick<ProviderRegistry, 'of'>
}

/**
 * GET /datasets (search and filters, paginated), GET /datasets/:id (catalog entry, manifest and the
 * node's verification of the proofs), GET /datasets/:id/preview and /thumbnail (the public charts,
 * immutable).
 */
export function catalogRoutes(api: CatalogApi): Router {
  const router = Router()

  // Response bodies by URL, valid while the catalog's version is unchanged: a busy list or search
  // is a map lookup (no parsing, querying or serialising), and clients revalidate with the ETag.
  const bodies = new Map<string, { version: number; body: string; etag: string }>()
  router.get('/datasets', (req, res, next) => {
    try {
      const version = api.catalog.version()
      let hit = bodies.get(req.url)
      if (hit === undefined || hit.version !== version) {
        const { query } = requestOf(API.searchDatasets, req)
        const page = api.catalog.search(query)
        const body = JSON.stringify(
          checkedBody(API.searchDatasets, 200, { total: page.total, limit: query.limit, offset: query.offset, items: page.items }),
        )
        if (bodies.size >= 1_000) bodies.clear()
        bodies.set(req.url, (hit = { version, body, etag: `W/"c${version}-${body.length}"` }))
      }
      res.setHeader('cache-control', 'no-cache')
      res.setHeader('etag', hit.etag)
      if (req.headers['if-none-match'] === hit.etag) return void res.status(304).end()
      res.type('application/json').send(hit.body)
    } catch (err) {
      next(err)
    }
  })

  // Where a dataset's content can be fetched: this node, at the address the client reached it at,
  // when it holds the whole dataset (its manifest is pinned last, after everything it names), then
  // the nodes it was mirrored from.
  const providersOf = async (req: Request, entry: CatalogEntry): Promise<string[]> => {
    let held = false
    try {
      held = await api.contentStore.isPinned(CID.parse(entry.manifestCid))
    } catch {
      // an anchored manifest CID that is no CID: nobody holds it
    }
    return [...new Set([...(held ? [`${req.protocol}://${req.get('host')}`] : []), ...(api.providers?.of(entry.manifestCid) ?? [])])]
  }

  router.get('/datasets/:id', async (req, res, next) => {
    try {
      const id = BigInt(requestOf(API.dataset, req).params.id)
      const entry = api.catalog.get(id)
      if (entry === undefined) return next(new NotFoundError(`no dataset ${id}`))
      reply(res, API.dataset, 200, { ...entry, providers: await providersOf(req, entry) })
    } catch (err) {
      next(err)
    }
  })

  // The public images a manifest links to, served by the CID of the manifest the catalog read and
  // checked against its anchor (never a CID from the request); read from IPFS (every block checked,
  // at most the content store's size bound of 16 MiB), always as image/png (and nosniff).
  const image = (route: typeof API.datasetPreview | typeof API.datasetThumbnail, what: string, cidOf: (e: CatalogEntry) => string | null) =>
    (async (req, res, next) => {
      try {
        const id = BigInt(requestOf(route, req).params.id)
        const entry = api.catalog.get(id)
        const cid = entry === undefined ? null : cidOf(entry)
        if (cid == null) return next(new NotFoundError(`no ${what} for dataset ${id}`))
        const etag = `"${cid}"`
        res.setHeader('etag', etag)
        // Content-addressed: the bytes behind a CID never change.
        res.setHeader('cache-control', 'public, max-age=31536000, immutable')
        if (req.headers['if-none-match'] === etag) return void res.status(304).end()
        const bytes = await api.contentStore.getBytes(CID.parse(cid), { signal: AbortSignal.timeout(10_000) })
        res.type('image/png').send(Buffer.from(bytes))
      } catch (err) {
        next(err)
      }
    }) satisfies RequestHandler
  router.get(
    '/datasets/:id/preview',
    image(API.datasetPreview, 'preview', (e) => e.previewCid),
  )
  router.get(
    '/datasets/:id/thumbnail',
    image(API.datasetThumbnail, 'thumbnail', (e) => e.thumbnailCid),
  )
  return router
}
