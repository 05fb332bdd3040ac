import { z } from 'zod'
import { manifestSchema } from '../core/index.js'
import { addressSchema, datasetIdSchema, txHashSchema } from './wire-types.js'

const int = z.coerce.number().int()
const wei = z
  .string()
  .regex(/^\d{1,78}$/, { message: 'must be a whole number of the smallest unit (wei)' })
  .transform((s) => BigInt(s))

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
  owner: addressSchema.optional(),
  listed: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  sort: z.enum(['newest', 'quality', 'price']).optional(),
  limit: int.min(1).max(100).default(20),
  offset: int.min(0).max(1_000_000).default(0),
})

/** `:id` of the /datasets/:id routes. */
export const datasetParamsSchema = z.strictObject({ id: datasetIdSchema })

/** The node's verdict on a dataset's proofs. */
export const verificationStatusSchema = z.enum(['pending', 'verified', 'flawed', 'failed'])

/** A dataset as the catalog lists it: its anchor, its manifest's searchable parts, its listing, the node's proof check. */
export const catalogEntrySchema = z.object({
  datasetId: z.string(),
  owner: addressSchema,
  manifestCid: z.string(),
  root: z.string(),
  parent: z.string().nullable(),
  circuit: z.number().int(),
  /** Anchored quality score, 0–100. */
  qualityScore: z.number(),
  publishedAt: z.number(),
  block: z.number().int(),
  txHash: txHashSchema,
  /** `ok`, or why the manifest could not be read yet (the indexer retries). */
  manifestStatus: z.enum(['ok', 'unavailable', 'invalid']),
  title: z.string(),
  description: z.string(),
  licence: z.string(),
  tags: z.array(z.string()),
  metrics: z.array(z.string()),
  units: z.array(z.string()),
  firstTime: z.number().nullable(),
  lastTime: z.number().nullable(),
  rows: z.number().int(),
  readings: z.number().int(),
  deviceCount: z.number().int(),
  previewCid: z.string().nullable(),
  /** The card's thumbnail of one series (GET /datasets/:id/thumbnail); null for a manifest without one. */
  thumbnailCid: z.string().nullable(),
  listing: z.object({ price: z.string(), paymentToken: addressSchema, accessPeriod: z.number(), active: z.boolean() }).nullable(),
  purchases: z.number().int(),
  /**
   * `flawed`: the proofs verify but were made with a retired circuit with a known soundness flaw;
   * `setupWarning`: they verify under a development setup, so anyone could have made them.
   */
  verification: z.object({ status: verificationStatusSchema, detail: z.string().nullable(), setupWarning: z.string().nullable() }),
})

/** GET /datasets/:id: the catalog entry and its manifest (null until read; check it against its anchor). */
export const datasetPageSchema = catalogEntrySchema.extend({
  manifest: manifestSchema.nullable(),
  /**
   * Where the dataset's content can be fetched (Assay nodes or trustless gateways, blocks checked by
   * the client either way): this node first, at the address it was asked at, when it holds the
   * whole dataset; then the nodes it mirrored the dataset from. Absent from older nodes: [].
   */
  providers: z.array(z.string()).default([]),
})

/** GET /datasets: one page of search results. */
export const searchResultSchema = z.object({
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  items: z.array(catalogEntrySchema),
})
