import { z } from 'zod'
import { addressSchema, decimalSchema, txHashSchema } from './wire-types.js'

const seconds = z
  .number()
  .int()
  .min(1)
  .max(100 * 365 * 86_400)

/** POST /streams body. */
export const createStreamSchema = z.strictObject({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(10_000).default(''),
  licence: z.string().trim().min(1).max(100).default('CC-BY-4.0'),
  tags: z.array(z.string().trim().min(1).max(40)).max(32).default([]),
  /** Seconds per window. */
  windowSeconds: seconds,
  /** Seconds of access one purchase buys: a whole number of windows (default: one window). */
  periodSeconds: seconds.optional(),
  /** Price per period in wei (or the token's base units). */
  price: decimalSchema,
  paymentToken: addressSchema.optional(),
  graceSeconds: z.number().int().min(0).max(86_400).default(60),
  maxReadings: z.number().int().min(1).max(100_000_000).default(1_000_000),
  deviceIds: z.array(decimalSchema).min(1).max(1000),
  circuitId: z.string().min(1).max(100).optional(),
  /** Start of window 0 (unix seconds); default: now. */
  start: z.number().int().min(0).optional(),
})

/** `:id` of the /streams/:id routes. */
export const streamParamsSchema = z.strictObject({ id: z.string().min(1).max(200) })

/** A stream's terms as the node keeps them. */
export const streamSpecSchema = z.object({
  streamId: z.string(),
  title: z.string(),
  description: z.string(),
  licence: z.string(),
  tags: z.array(z.string()),
  /** The SensorStats circuit the devices sign for. */
  circuitId: z.string(),
  /** Window 0 starts here (unix seconds). */
  start: z.number().int(),
  /** Seconds per window. */
  windowLength: z.number().int(),
  /** Seconds after a window's end during which late batches are still taken. */
  graceS: z.number().int(),
  /** A window closes early once it holds this many readings. */
  maxReadings: z.number().int(),
  /** Devices allowed to feed the stream (decimal ids). */
  deviceIds: z.array(z.string()),
})

/** POST /streams (201): the stream created on-chain. */
export const streamCreatedSchema = streamSpecSchema.extend({ txHash: txHashSchema })

/** One window of a stream and how far its publication got. */
export const windowRecordSchema = z.object({
  streamId: z.string(),
  index: z.number().int(),
  state: z.enum(['open', 'full', 'closing', 'published', 'failed']),
  readings: z.number().int(),
  batches: z.number().int(),
  jobId: z.string().nullable(),
  datasetId: z.string().nullable(),
  /** The published dataset's manifest (check it against its anchor). */
  manifestCid: z.string().nullable(),
  detail: z.string().nullable(),
})

/** A stream in GET /streams: its terms and live status. */
export const streamSummarySchema = streamSpecSchema.extend({
  /** Time of the newest accepted reading (unix seconds). */
  lastReading: z.number().nullable(),
  windowsPublished: z.number().int(),
})

/** GET /streams/:id: the stream with its windows. */
export const streamViewSchema = streamSummarySchema.extend({ windows: z.array(windowRecordSchema) })

/** GET /streams. */
export const streamListSchema = z.object({ streams: z.array(streamSummarySchema) })

/** Why a stream refused a batch (pipelines' StreamRejection); `busy`: nothing taken, send it again. */
export const streamRejectionSchema = z.enum([
  'malformed',
  'unsigned',
  'wrong-circuit',
  'foreign-device',
  'unregistered-device',
  'before-stream',
  'from-the-future',
  'straddles-window',
  'window-closed',
  'replayed',
  'out-of-order',
  'after-last',
  'invalid-readings',
  'bad-signature',
  'busy',
])

/** POST /streams/:id/readings: one result per batch sent (200 when all were taken, 422 when any was refused). */
export const ingestResponseSchema = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  results: z.array(
    z.discriminatedUnion('ok', [
      z.object({
        ok: z.literal(true),
        window: z.number().int(),
        seriesId: z.string(),
        batchIndex: z.number().int(),
        readings: z.number().int(),
      }),
      z.object({ ok: z.literal(false), reason: streamRejectionSchema, message: z.string() }),
    ]),
  ),
})
