import { z } from 'zod'
import { AssayError } from './errors.js'
import { fieldElementSchema as field } from './field-element.js'
import { seriesEncodingShape } from './series-encoding-schema.js'

/** Format tag of a device-signed batch (one JSON object per line of a signed-batch file). */
export const SIGNED_BATCH_FORMAT = 'assay.signed-batch/v2'
/** What every version of the signed-batch format starts with: a file of another version is still recognised, and refused by name. */
export const SIGNED_BATCH_FORMAT_PREFIX = 'assay.signed-batch/'

/**
 * A batch as a device (or `assay simulate`) signs it: encoded readings of one series, the salt,
 * and the device's EdDSA-Poseidon signature of Poseidon(DOMAIN, commitment, seriesId, batchIndex +
 * last · 2^32), where the commitment is the one the named circuit computes and seriesId =
 * Poseidon(deviceId, H(metric, unit), scale, offset, lo, hi, nonce) binds what the readings mean
 * (lo, hi: the valid range encoded, or the whole width without one). The proof then shows, in zero
 * knowledge, that the device signed exactly these readings with this meaning, at this place in the
 * series; nobody else can re-cut, re-salt, relabel or shorten them.
 */
export const signedBatchSchema = z.strictObject({
  format: z.literal(SIGNED_BATCH_FORMAT),
  /** The SensorStats circuit whose commitment was signed (its B, widths and packing). */
  circuitId: z.string().min(1).max(100),
  device: z.strictObject({ x: field, y: field, label: z.string().max(200).optional() }),
  seriesId: field,
  /** Fresh random per series: two series of one device and metric never share an id. */
  nonce: field,
  ...seriesEncodingShape,
  /** Physically valid range in the metric's unit; the proofs count readings inside it. */
  validRange: z
    .tuple([z.number().finite(), z.number().finite()])
    .refine(([lo, hi]) => lo <= hi, { message: 'must be [low, high] with low ≤ high' })
    .optional(),
  batchIndex: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32),
  /** True on the series' final batch (for a stream: the final batch of the window). */
  last: z.boolean(),
  salt: field,
  /** Unix seconds, strictly increasing. */
  times: z.array(z.number().int().min(0)).min(1).max(4096),
  /** Encoded readings, one per time. */
  values: z
    .array(
      z
        .number()
        .int()
        .min(0)
        .max(2 ** 32 - 1),
    )
    .min(1)
    .max(4096),
  signature: z.strictObject({ R8x: field, R8y: field, S: field }),
})

export type SignedBatch = z.infer<typeof signedBatchSchema>

/** A signed batch that is malformed, badly signed or out of order; `line` is 1-based when known. */
export class SignedBatchError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly file: string | undefined
  readonly line: number | undefined
  constructor(message: string, where: { file?: string; line?: number } = {}, options?: { cause?: unknown }) {
    const at = [where.file, where.line].filter((x) => x !== undefined).join(':')
    super(at === '' ? message : `${at}: ${message}`, options)
    this.name = 'SignedBatchError'
    this.file = where.file
    this.line = where.line
  }
}

/** Validates one signed batch's shape (not its signature: that needs the circuit's commitment). */
export function parseSignedBatch(value: unknown, where: { file?: string; line?: number } = {}): SignedBatch {
  const format = (value as { format?: unknown } | null)?.format
  if (typeof format === 'string' && format.startsWith(SIGNED_BATCH_FORMAT_PREFIX) && format !== SIGNED_BATCH_FORMAT)
    throw new SignedBatchError(
      `format: ${format} is not ${SIGNED_BATCH_FORMAT}; batches of an earlier format sign neither the series' meaning nor its end (and v1 was for a retired circuit): sign them again`,
      where,
    )
  const parsed = signedBatchSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new SignedBatchError(`${issue.path.join('.') || 'batch'}: ${issue.message}`, where)
  }
  if (parsed.data.times.length !== parsed.data.values.length)
    throw new SignedBatchError(`${parsed.data.values.length} values but ${parsed.data.times.length} times`, where)
  return parsed.data
}
