import { Router } from 'express'
import { CID } from 'multiformats/cid'
import { z } from 'zod'
import type { ContentStore } from '../storage/index.js'
import type { Catalog } from './catalog.js'
import { parseInput as parse } from './validation-error.js'
import { NotFoundError } from './not-found-error.js'

export interface CatalogApi {
  catalog: Catalog
  contentStore: Pick<ContentStore, 'getBytes'>
}

const int = z.coerce.number().int()
const wei = z
  .string()
  .regex(/^\d{1,78}$/, { message: 'must be a whole number of the smallest unit (wei)' })
  .transform((s) => BigInt(s))
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x address' })

/** GET /datasets query parameters. */
export const catalogQuerySchema = z.strictObject({
  q: z.string().max(200).optional(),
  metric: z.string().min(1).max(100).optional(),
  unit: z.string().min(1).max(40).optional(),
  minQuality: z.coerce.number().min(0).max(100).optional(),
  maxQuality: z.coerce.number().min(0).max(100).optional(),
  minPrice: wei.optional(),
  maxPrice: wei.optional(),
  from: int.min(0).optional(),
  to: int.min(0).optional(),
  minDevices: int.min(0).max(1_000_000).optional(),
  maxDevices: int.min(0).max(1_000_000).optional(),
  owner: address.optional(),
  listed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  sort: z.enum(['newest', 'quality', 'price']).optional(),
  limit: int.min(1).max(100).default(20),
  offset: int.min(0).max(1_000_000).default(0),
})

const datasetId = z.string().regex(/^[1-9]\d{0,15}$/, { message: 'must be a dataset id (a positive integer)' })

/**
 * GET /datasets (search and filters, paginated), GET /datasets/:id (catalog entry, manifest and the
 * node's verification of the proofs), GET /datasets/:id/preview (the public chart, immutable).
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
        const query = parse(catalogQuerySchema, req.query, 'query')
        const page = api.catalog.search(query)
        const body = JSON.stringify({ total: page.total, limit: query.limit, offset: query.offset, items: page.items })
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

  router.get('/datasets/:id', (req, res, next) => {
    try {
      const id = BigInt(parse(datasetId, req.params.id, 'id'))
      const entry = api.catalog.get(id)
      if (entry === undefined) return next(new NotFoundError(`no dataset ${id}`))
      res.json(entry)
    } catch (err) {
      next(err)
    }
  })

  router.get('/datasets/:id/preview', async (req, res, next) => {
    try {
      const id = BigInt(parse(datasetId, req.params.id, 'id'))
      const cid = api.catalog.get(id)?.previewCid
      if (cid == null) return next(new NotFoundError(`no preview for dataset ${id}`))
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
  })
  return router
}
