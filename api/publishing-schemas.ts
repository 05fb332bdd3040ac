import { z } from 'zod'
import { ERROR_CATEGORIES, importMappingSchema, type ErrorCategory } from '../core/index.js'
import { serializedErrorSchema } from './error-body.js'
import { addressSchema, decimalSchema, jobIdSchema, txHashSchema } from './wire-types.js'

/** POST /datasets form fields (besides the `file` part). */
export const publishFieldsSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).default(''),
  licence: z.string().trim().min(1).max(100).default('CC-BY-4.0'),
  /** Comma-separated. */
  tags: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    ),
  /** The import mapping as JSON; inferred from the file when absent. */
  mapping: z.string().optional(),
  price: decimalSchema.optional(),
  paymentToken: addressSchema.optional(),
  accessPeriod: decimalSchema.optional(),
  /** Revenue splits as JSON: `[{ account, bps }]` (splitsSchema). */
  splits: z.string().optional(),
  /** How the batches are proven: groth16 or honk (UltraHonk); default the node's (ASSAY_PROVER). */
  prover: z.enum(['groth16', 'honk']).optional(),
})

/** The `splits` form field, once parsed as JSON. */
export const splitsSchema = z.array(z.strictObject({ account: addressSchema, bps: z.number().int().min(1).max(10_000) })).max(16)

/** `:id` of the /jobs/:id routes. */
export const jobParamsSchema = z.strictObject({ id: jobIdSchema })

/** POST /datasets and POST /jobs/:id/retry (202): the job and where to follow it. */
export const publicationAcceptedSchema = z.object({ jobId: z.string(), status: z.string(), events: z.string() })

/** GET /jobs/:id (and each event of /jobs/:id/events): where a publication stands. */
export const publicationStatusSchema = z.object({
  id: z.string(),
  /** Each stage's state, in the order of the publication's stages. */
  stages: z.record(z.string(), z.string()),
  proofs: z.object({ done: z.number().int(), total: z.number().int() }),
  /** What the publication waits for besides its own work (a circuit being built). */
  waiting: z.string().optional(),
  /** The list stage's result once the flow completed. */
  result: z
    .object({
      datasetId: z.string(),
      manifestCid: z.string(),
      txHash: txHashSchema,
      root: z.string(),
      quality: z.number(),
      stats: z.array(z.record(z.string(), z.unknown())),
    })
    .optional(),
  failedReason: z.string().optional(),
  category: z.enum(Object.keys(ERROR_CATEGORIES) as [ErrorCategory, ...ErrorCategory[]]).optional(),
  /** The failed stage's error with its fields and causes. */
  error: serializedErrorSchema.optional(),
  /** Set once the flow failed: whether a retry can help. */
  retryable: z.boolean().optional(),
})

/** GET /jobs query parameters: one page of the node's publications, newest first. */
export const publicationsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})

/** A publication as GET /jobs lists it: its status (as GET /jobs/:id) and what the seller asked for. */
export const publicationSummarySchema = publicationStatusSchema.extend({
  /** The publication's title (its id when its workspace is gone). */
  title: z.string(),
  /** When it was created (ISO 8601); a retry keeps it. */
  createdAt: z.string(),
  /** The seller's file name. */
  sourceName: z.string().optional(),
  /** A stream window's publication: which stream and window. */
  stream: z.object({ streamId: z.string(), windowIndex: z.number().int() }).optional(),
})

/** GET /jobs: one page of the node's publications, newest first. */
export const publicationListSchema = z.object({
  /** Every publication the node has. */
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
  items: z.array(publicationSummarySchema),
})

/** POST /mappings/preview form fields (besides the `file` part: the head of the seller's file). */
export const mappingPreviewFieldsSchema = z.strictObject({
  /** The seller's edited mapping as JSON; inferred when absent. */
  mapping: z.string().optional(),
})

/** POST /mappings/preview: the mapping and the first rows read with it. */
export const mappingPreviewSchema = z.object({
  /** `signed-batches`: a device-signed file, which needs no mapping. */
  kind: z.enum(['table', 'signed-batches']),
  mapping: importMappingSchema.optional(),
  notes: z.array(z.string()),
  columns: z.array(z.string()),
  /** The first source rows as read, before the mapping. */
  sample: z.array(z.object({ line: z.number().int(), fields: z.record(z.string(), z.string()) })),
  /** The first rows as the mapping reads them: time, device and each metric's value. */
  rows: z.array(z.object({ time: z.number(), device: z.string(), values: z.record(z.string(), z.string()) })),
  problems: z.array(z.object({ line: z.number().int(), column: z.string(), message: z.string() })),
})
