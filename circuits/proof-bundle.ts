import { z } from 'zod'
import { AssayError } from '../core/index.js'
import { combineBatchStats, computeDatasetRoot, type ProvenBatch, type SeriesTotals } from './dataset-stats.js'
import { verifyProof, type VerificationKey } from './verify-proof.js'

/** Public signals of SensorStats by name: 9 outputs, then the 7 public inputs. */
export interface BatchPublicSignals extends ProvenBatch {
  commitment: bigint
  lo: bigint
  hi: bigint
  Ax: bigint
  Ay: bigint
  seriesId: bigint
  batchIndex: bigint
}

const SIGNAL_NAMES = [
  'commitment',
  'sum',
  'sumSq',
  'min',
  'max',
  'inRange',
  'firstTime',
  'lastTime',
  'maxGap',
  'lo',
  'hi',
  'count',
  'Ax',
  'Ay',
  'seriesId',
  'batchIndex',
] as const

/** A bundle or signal list that is not well formed. */
export class ProofBundleError extends AssayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProofBundleError'
  }
}

/** Names the public signals of one SensorStats proof. @throws {ProofBundleError} */
export function parsePublicSignals(signals: readonly string[]): BatchPublicSignals {
  if (signals.length !== SIGNAL_NAMES.length)
    throw new ProofBundleError(`SensorStats has ${SIGNAL_NAMES.length} public signals, got ${signals.length}`)
  const out: Record<string, bigint> = {}
  SIGNAL_NAMES.forEach((name, i) => {
    if (!/^\d{1,78}$/.test(signals[i]!)) throw new ProofBundleError(`public signal ${name} is not a field element: ${signals[i]}`)
    out[name] = BigInt(signals[i]!)
  })
  return out as unknown as BatchPublicSignals
}

const fieldString = z.string().regex(/^\d{1,78}$/)
const proofSchema = z.object({
  pi_a: z.array(fieldString).length(3),
  pi_b: z.array(z.array(fieldString).length(2)).length(3),
  pi_c: z.array(fieldString).length(3),
  protocol: z.literal('groth16'),
  curve: z.literal('bn128'),
})

/** The proof bundle stored in IPFS next to a dataset (ARCHITECTURE §4). */
export const proofBundleSchema = z.strictObject({
  version: z.literal(1),
  circuitId: z.string().min(1),
  /** sha256 (hex) of the verification key JSON, as in circuits/artifacts.json. */
  vkeyHash: z.string().regex(/^[0-9a-f]{64}$/),
  batches: z
    .array(
      z.strictObject({
        /** Index of the series in the manifest. */
        series: z.number().int().nonnegative(),
        index: z.number().int().nonnegative(),
        count: z.number().int().positive(),
        publicSignals: z.array(fieldString),
        proof: proofSchema,
      }),
    )
    .min(1),
})

export type ProofBundle = z.infer<typeof proofBundleSchema>

/** Validates a bundle read from IPFS. @throws {ProofBundleError} naming the bad field */
export function parseProofBundle(value: unknown): ProofBundle {
  const parsed = proofBundleSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ProofBundleError(`invalid proof bundle: ${issue.path.join('.') || '(root)'}: ${issue.message}`, { cause: parsed.error })
  }
  return parsed.data
}

/** One failed check of a bundle, in words a buyer or auditor can act on. */
export interface BundleProblem {
  batch?: { series: number; index: number }
  problem: string
}

export interface BundleVerification {
  ok: boolean
  problems: BundleProblem[]
  /** Dataset root rebuilt from the proven commitments (series in order, batches in order). */
  root: bigint
  /** Per series: proven totals, in encoded units. */
  series: SeriesTotals[]
  /** Device public keys that signed, as `Ax:Ay` strings. */
  devices: string[]
}

export interface VerifyBundleOptions {
  vkey: VerificationKey
  /** sha256 of the vkey bytes the caller loaded (checked against the bundle's vkeyHash). */
  vkeyHash: string
  /** The root anchored on-chain; a mismatch is a problem. */
  expectedRoot?: bigint
  /** Registered device keys (`Ax:Ay`); a batch signed by any other key is a problem. */
  allowedDevices?: ReadonlySet<string>
  /** Reports progress (verified batches, total), e.g. for a progress bar. */
  onProgress?: (done: number, total: number) => void
}

/**
 * Verifies a dataset's proof bundle: every batch proof valid, counts and indices consistent,
 * batches of a series in time order, commitments rebuild the (anchored) root, and every signer
 * an allowed device. Collects every problem instead of stopping at the first.
 */
export async function verifyProofBundle(bundle: ProofBundle, options: VerifyBundleOptions): Promise<BundleVerification> {
  const problems: BundleProblem[] = []
  if (bundle.vkeyHash !== options.vkeyHash) {
    problems.push({ problem: `bundle was made for verification key ${bundle.vkeyHash}, not the loaded ${options.vkeyHash}` })
  }
  const bySeries = new Map<number, Array<{ signals: BatchPublicSignals; index: number }>>()
  const devices = new Set<string>()
  let done = 0
  for (const b of bundle.batches) {
    const at = { series: b.series, index: b.index }
    let signals: BatchPublicSignals
    try {
      signals = parsePublicSignals(b.publicSignals)
    } catch (err) {
      problems.push({ batch: at, problem: (err as Error).message })
      continue
    }
    if (!(await verifyProof(options.vkey, b.publicSignals, b.proof))) {
      problems.push({ batch: at, problem: 'proof does not verify' })
    }
    if (signals.batchIndex !== BigInt(b.index)) problems.push({ batch: at, problem: `proof is for batch index ${signals.batchIndex}` })
    if (signals.count !== BigInt(b.count))
      problems.push({ batch: at, problem: `proof counts ${signals.count} readings, bundle says ${b.count}` })
    const device = `${signals.Ax}:${signals.Ay}`
    devices.add(device)
    if (options.allowedDevices !== undefined && !options.allowedDevices.has(device)) {
      problems.push({ batch: at, problem: 'signed by a device key that is not registered for this dataset' })
    }
    const list = bySeries.get(b.series) ?? []
    list.push({ signals, index: b.index })
    bySeries.set(b.series, list)
    options.onProgress?.(++done, bundle.batches.length)
  }

  const series: SeriesTotals[] = []
  const commitments: bigint[] = []
  for (const key of [...bySeries.keys()].sort((a, b) => a - b)) {
    const list = bySeries.get(key)!.sort((a, b) => a.index - b.index)
    list.forEach((entry, i) => {
      if (entry.index !== i)
        problems.push({ batch: { series: key, index: entry.index }, problem: `expected batch index ${i} (indices must be 0..n-1)` })
      if (entry.signals.seriesId !== list[0]!.signals.seriesId)
        problems.push({ batch: { series: key, index: entry.index }, problem: 'series id differs from the series’ first batch' })
      commitments.push(entry.signals.commitment)
    })
    try {
      series.push(combineBatchStats(list.map((e) => e.signals)))
    } catch (err) {
      problems.push({ problem: `series ${key}: ${(err as Error).message}` })
    }
  }
  const root = commitments.length > 0 ? await computeDatasetRoot(commitments) : 0n
  if (options.expectedRoot !== undefined && root !== options.expectedRoot) {
    problems.push({ problem: `commitments rebuild root ${root}, but ${options.expectedRoot} is anchored` })
  }
  return { ok: problems.length === 0, problems, root, series, devices: [...devices] }
}
