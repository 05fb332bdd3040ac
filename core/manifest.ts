import { CID } from 'multiformats/cid'
import { z } from 'zod'
import { AssayError } from './errors.js'
import { fieldElementSchema } from './field-element.js'
import { seriesEncodingShape } from './series-encoding-schema.js'

/** Current manifest schema version. A breaking change bumps it; readers reject unknown versions. */
export const MANIFEST_VERSION = 1

const cid = z.string().refine(
  (s) => {
    try {
      CID.parse(s)
      return true
    } catch {
      return false
    }
  },
  { message: 'must be a CID string' },
)
const fieldElement = fieldElementSchema
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, { message: 'must be 64 lowercase hex digits' })
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, { message: 'must be a 0x-prefixed 20-byte address' })
const unixTime = z.number().int().nonnegative()
const count = z.number().int().nonnegative()

const deviceSchema = z.strictObject({
  deviceId: fieldElement,
  publicKey: z.strictObject({ x: fieldElement, y: fieldElement }),
  label: z.string().max(200).optional(),
  /** True when the owner signed as a gateway device (no device keys of its own). */
  gateway: z.boolean().default(false),
})

const seriesSchema = z.strictObject({
  /** Circuit v2: Poseidon(deviceId, H(metric, unit), scale, offset, lo, hi, nonce), signed with every batch. */
  seriesId: fieldElement,
  /** The series nonce its device chose (circuit v2; absent in datasets proven with v1). */
  nonce: fieldElement.optional(),
  deviceId: fieldElement,
  ...seriesEncodingShape,
  count,
  firstTime: unixTime,
  lastTime: unixTime,
})

const statsSchema = z.strictObject({
  seriesId: fieldElement,
  count,
  mean: z.number(),
  variance: z.number().nonnegative(),
  min: z.number(),
  max: z.number(),
  inRangeShare: z.number().min(0).max(1),
  range: z.strictObject({ lo: z.number(), hi: z.number() }),
  firstTime: unixTime,
  lastTime: unixTime,
  maxGap: z.number().int().nonnegative(),
})

export const manifestSchema = z
  .strictObject({
    version: z.literal(MANIFEST_VERSION),
    title: z.string().min(1).max(200),
    description: z.string().max(10_000).default(''),
    licence: z.string().min(1).max(100),
    tags: z.array(z.string().min(1).max(40)).max(32).default([]),
    owner: address,
    devices: z.array(deviceSchema).min(1),
    series: z.array(seriesSchema).min(1),
    encryption: z.strictObject({
      envelope: z.literal('assay-aes256gcm-stream-v1'),
      chunkSize: z
        .number()
        .int()
        .min(64)
        .max(16 * 1024 * 1024),
      /** Poseidon(key as two 128-bit limbs), decimal. */
      keyCommitment: fieldElement,
      /** The data key wrapped (ECIES) to the seller's key, base64: losing a keystore loses nothing. */
      sellerWrappedKey: z.string().min(1).max(1000),
    }),
    content: z.strictObject({
      ciphertextCid: cid,
      plaintextSha256: hex32,
      bytes: count,
      rows: count,
    }),
    commitments: z.strictObject({ root: fieldElement, batches: z.array(fieldElement).min(1) }),
    proofs: z.strictObject({
      circuitId: z.string().min(1),
      /** How the batches are proven; absent in manifests written before UltraHonk (Groth16). Verifiers check it against the circuit. */
      proofSystem: z.enum(['groth16', 'ultrahonk']).optional(),
      vkeyHash: hex32,
      bundleCid: cid,
    }),
    stats: z.array(statsSchema),
    quality: z.strictObject({ score: z.number().min(0).max(100), reportCid: cid }),
    previewCid: cid.optional(),
    /** The marketplace card's thumbnail (PNG of one series); absent in manifests written before thumbnails. */
    thumbnailCid: cid.optional(),
    stream: z.strictObject({ streamId: z.string().min(1), windowIndex: count }).optional(),
    parent: cid.nullable().default(null),
    createdAt: z.iso.datetime(),
  })
  .superRefine((m, ctx) => {
    const devices = new Set(m.devices.map((d) => d.deviceId))
    m.series.forEach((s, i) => {
      if (!devices.has(s.deviceId))
        ctx.addIssue({ code: 'custom', path: ['series', i, 'deviceId'], message: 'names a device not listed in devices' })
      if (s.lastTime < s.firstTime) ctx.addIssue({ code: 'custom', path: ['series', i, 'lastTime'], message: 'is before firstTime' })
    })
  })

export type Manifest = z.infer<typeof manifestSchema>
/** A manifest as authored (defaults not yet applied). */
export type ManifestInput = z.input<typeof manifestSchema>

export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `series.0.unit`. */
  path: string
  message: string
}

/** A manifest failed validation; `issues` names every bad field. */
export class ManifestValidationError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly issues: FieldIssue[]
  constructor(issues: FieldIssue[], options?: { cause?: unknown }) {
    super(`invalid manifest: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, options)
    this.name = 'ManifestValidationError'
    this.issues = issues
  }
}

/** Validates and normalises a manifest. @throws {ManifestValidationError} listing every bad field. */
export function parseManifest(value: unknown): Manifest {
  if (typeof value === 'object' && value !== null && 'version' in value && value.version !== MANIFEST_VERSION) {
    throw new ManifestValidationError([
      { path: 'version', message: `unsupported manifest version ${JSON.stringify(value.version)} (this code reads ${MANIFEST_VERSION})` },
    ])
  }
  const result = manifestSchema.safeParse(value)
  if (!result.success) {
    throw new ManifestValidationError(
      result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      { cause: result.error },
    )
  }
  return result.data
}
