import { z } from 'zod'
import { ERROR_CATEGORIES, type ErrorCategory } from '../core/index.js'
import { datasetIdSchema } from './wire-types.js'

const categories = Object.keys(ERROR_CATEGORIES) as [ErrorCategory, ...ErrorCategory[]]

/** An Assay node's or a trustless gateway's address: http(s), at most 2,000 characters. */
export const providerUrlSchema = z
  .string()
  .max(2_000)
  .refine(
    (s) => {
      try {
        return ['http:', 'https:'].includes(new URL(s).protocol)
      } catch {
        return false
      }
    },
    { message: 'must be an http(s) URL of an Assay node or a trustless gateway' },
  )

/** POST /mirrors: one dataset (`datasetId`) or every dataset this node's catalog knows (`all`), from `from`. */
export const mirrorRequestSchema = z
  .strictObject({
    from: providerUrlSchema,
    datasetId: datasetIdSchema.optional(),
    all: z.literal(true).optional(),
  })
  .refine((r) => (r.datasetId === undefined) !== (r.all === undefined), {
    message: 'give either datasetId or all: true',
    path: ['datasetId'],
  })

/** What mirroring did for one dataset. */
export const mirroredDatasetSchema = z.object({
  datasetId: z.string(),
  manifestCid: z.string().nullable(),
  /** `mirrored`: blocks were fetched now; `held`: this node held every part already; `failed`: see `error`. */
  outcome: z.enum(['mirrored', 'held', 'failed']),
  /** Content roots (manifest included) fetched now, and found pinned here already. */
  fetched: z.number().int(),
  held: z.number().int(),
  /** Blocks received, each checked against its CID, and bytes of CAR read. */
  blocks: z.number().int(),
  bytes: z.number().int(),
  error: z.object({ name: z.string(), message: z.string(), category: z.enum(categories) }).optional(),
})

/** POST /mirrors: the source and each dataset's outcome. */
export const mirrorReportSchema = z.object({
  from: z.string(),
  datasets: z.array(mirroredDatasetSchema),
})
