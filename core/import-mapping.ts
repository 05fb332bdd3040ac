import { z } from 'zod'
import { AssayError } from './errors.js'

/**
 * How a seller's file becomes readings (the JSON documented in docs/publishing.md, "Mapping a file").
 * One mapping per file layout; `assay map FILE` writes a first guess to edit.
 */
const column = z.string().min(1)

const timestampSchema = z.strictObject({
  /** One column, or several joined with a space before parsing (e.g. year, month, day, hour). */
  columns: z.array(column).min(1).max(8),
  /**
   * `iso` (ISO 8601; a time without offset is in `timeZone`), `epoch-s`, `epoch-ms`, or a pattern
   * over the joined text with YYYY, MM/M, DD/D, HH/H, mm/m, ss/s, SSS and literal characters.
   */
  format: z.string().min(1).max(60).default('iso'),
  /** IANA time zone of local times in the file (UTC when omitted). */
  timeZone: z.string().min(1).max(60).default('UTC'),
})

const metricSchema = z.strictObject({
  /** Column holding the values (wide files), or the metric's name in the metric column (long files). */
  column: column,
  /** Name the metric gets in the manifest; the column name when omitted. */
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.-]+$/, { message: 'letters, digits, _ . - only' })
    .optional(),
  unit: z.string().max(40).default(''),
  /** Decimal digits kept: encoded = round(value · 10^scale) + offset. Inferred when omitted. */
  scale: z.number().int().min(0).max(9).optional(),
  /** Integer added after scaling so every value is ≥ 0. Inferred when omitted. */
  offset: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  /**
   * Physically valid range (defaults per common metric). The batch proofs count the readings
   * inside it, so the quality score's validity is proven, not claimed.
   */
  validRange: z.tuple([z.number(), z.number()]).optional(),
})

export const importMappingSchema = z
  .strictObject({
    version: z.literal(1),
    format: z.enum(['csv', 'ndjson']),
    /** CSV field delimiter (one character). */
    delimiter: z.string().length(1).default(','),
    timestamp: timestampSchema,
    /** A column naming the device of each row, or one fixed device label for the whole file. */
    device: z.union([z.strictObject({ column }), z.strictObject({ fixed: z.string().min(1).max(100) })]).default({ fixed: 'device-1' }),
    /** Long files: the column naming the metric and the column holding its value. */
    long: z.strictObject({ metricColumn: column, valueColumn: column }).optional(),
    metrics: z.array(metricSchema).min(1).max(64),
    /** Field texts that mean "no reading" (after trimming). */
    missing: z.array(z.string().max(20)).max(20).default(['', 'NA', 'NaN', 'null']),
  })
  .superRefine((m, ctx) => {
    const names = m.metrics.map((x) => x.name ?? x.column)
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i) ctx.addIssue({ code: 'custom', path: ['metrics', i, 'name'], message: `metric name ${n} is used twice` })
    })
    m.metrics.forEach((x, i) => {
      const r = x.validRange
      if (r !== undefined && !(r[0] <= r[1]))
        ctx.addIssue({ code: 'custom', path: ['metrics', i, 'validRange'], message: 'low end above high end' })
    })
  })

export type ImportMapping = z.output<typeof importMappingSchema>
export type ImportMappingInput = z.input<typeof importMappingSchema>
export type MetricMapping = ImportMapping['metrics'][number]

/** A mapping that is not valid, naming the field. */
export class MappingError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MappingError'
  }
}

/** Validates a mapping (e.g. parsed from a mapping file). @throws {MappingError} */
export function parseImportMapping(value: unknown): ImportMapping {
  const parsed = importMappingSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new MappingError(`invalid mapping: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { cause: parsed.error })
  }
  return parsed.data
}

/** The manifest name of a mapped metric. */
export function metricName(metric: MetricMapping): string {
  return metric.name ?? metric.column
}
