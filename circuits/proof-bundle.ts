import { z } from 'zod'
import { AssayError } from '../core/index.js'
import { combineBatchStats, computeDatasetRoot, type SeriesTotals } from './dataset-stats.js'
import { parsePublicSignals, type BatchPublicSignals, type OutputLimits } from './public-signals.js'
import { sensorStatsParams } from './sensor-stats-params.js'
import type { Curve, VerificationKey } from './verify-proof.js'
import { verifyProofsBatched } from './verify-proofs-batched.js'

/** A bundle that is not well formed. */
export class ProofBundleError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProofBundleError'
  }
}

const fieldString = z.string().regex(/^\d{1,78}$/)
const proofSchema = z.object({
  pi_a: z.array(fieldString).length(3),
  pi_b: z.array(z.array(fieldString).length(2)).length(3),
  pi_c: z.array(fieldString).length(3),
  protocol: z.literal('groth16'),
  curve: z.literal('bn128'),
})

/** The proof bundle stored in IPFS next to a dataset (docs/formats-and-protocol.md). */
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

/** A bundle failed verification; `problems` lists every failed check, the message all of them. */
export class BundleVerificationError extends AssayError {
  override readonly category = 'tampered' as const
  readonly problems: BundleProblem[]
  constructor(problems: BundleProblem[]) {
    super(problems.map((p) => (p.batch ? `series ${p.batch.series} batch ${p.batch.index}: ` : '') + p.problem).join('; '))
    this.name = 'BundleVerificationError'
    this.problems = problems
  }
}

export interface BundleVerification {
  ok: boolean
  problems: BundleProblem[]
  /** Dataset root rebuilt from the proven commitments (series in order, batches in order). */
  root: bigint
  /** Per series: proven totals, in encoded units. */
  series: SeriesTotals[]
  /** Device ids (Poseidon(Ax, Ay)) that signed. */
  devices: bigint[]
}

export interface VerifyBundleOptions {
  vkey: VerificationKey
  /** sha256 of the vkey bytes the caller loaded (checked against the bundle's vkeyHash). */
  vkeyHash: string
  /** The root anchored on-chain; a mismatch is a problem. */
  expectedRoot?: bigint
  /** Registered device ids (Poseidon(Ax, Ay)); a batch signed by any other key is a problem. */
  allowedDevices?: ReadonlySet<bigint>
  /** Reports progress (verified batches, total) after each chunk of proofs, e.g. for a progress bar. */
  onProgress?: (done: number, total: number) => void
  /**
   * The bn128 curve the proofs are verified on (verifyProofsBatched's `curve`). Default: the
   * single-threaded one, as in browsers; a Node caller may pass circuits/node.ts's threaded one.
   */
  curve?: () => Promise<Curve>
}

/**
 * Verifies a dataset's proof bundle: every batch proof valid with outputs within its circuit's
 * bounds, counts and indices consistent, batches of a series in time order and counted against one
 * in-range band, commitments rebuild the (anchored) root, and every signer an allowed device.
 * Collects every problem instead of stopping at the first. What the bundle proves is checked
 * against a manifest by verifyDatasetProofs.
 */
export async function verifyProofBundle(bundle: ProofBundle, options: VerifyBundleOptions): Promise<BundleVerification> {
  const problems: BundleProblem[] = []
  if (bundle.vkeyHash !== options.vkeyHash) {
    problems.push({ problem: `bundle was made for verification key ${bundle.vkeyHash}, not the loaded ${options.vkeyHash}` })
  }
  let limits: OutputLimits | undefined
  try {
    limits = sensorStatsParams(bundle.circuitId)
  } catch (err) {
    problems.push({ problem: `circuit ${bundle.circuitId}: ${(err as Error).message}` })
  }
  const bySeries = new Map<number, Array<{ signals: BatchPublicSignals; index: number }>>()
  const devices = new Set<bigint>()
  const parsed = bundle.batches.map((b) => {
    try {
      return parsePublicSignals(b.publicSignals, limits)
    } catch (err) {
      return err as Error
    }
  })
  // All proofs at once (a random linear combination per chunk, each proof of a failing chunk then
  // alone), before the per-batch checks, which keep the order of their problems.
  const toVerify = bundle.batches.filter((_, i) => !(parsed[i] instanceof Error))
  const verified = await verifyProofsBatched(options.vkey, toVerify, {
    ...(options.curve !== undefined ? { curve: options.curve } : {}),
    // Batches whose signals do not parse are not verified: the total is what is, so a bar ends full.
    ...(options.onProgress !== undefined ? { onProgress: (done: number) => options.onProgress!(done, toVerify.length) } : {}),
  })
  let next = 0
  bundle.batches.forEach((b, i) => {
    const at = { series: b.series, index: b.index }
    const signals = parsed[i]!
    if (signals instanceof Error) {
      problems.push({ batch: at, problem: signals.message })
      return
    }
    if (!verified[next++]) problems.push({ batch: at, problem: 'proof does not verify' })
    if (signals.batchIndex !== BigInt(b.index)) problems.push({ batch: at, problem: `proof is for batch index ${signals.batchIndex}` })
    if (signals.count !== BigInt(b.count))
      problems.push({ batch: at, problem: `proof counts ${signals.count} readings, bundle says ${b.count}` })
    devices.add(signals.deviceId)
    if (options.allowedDevices !== undefined && !options.allowedDevices.has(signals.deviceId)) {
      problems.push({ batch: at, problem: 'signed by a device key that is not registered for this dataset' })
    }
    const list = bySeries.get(b.series) ?? []
    list.push({ signals, index: b.index })
    bySeries.set(b.series, list)
  })

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
      const signals = list.map((e) => e.signals)
      series.push(combineBatchStats(signals, { series: key }))
    } catch (err) {
      problems.push({ problem: (err as Error).message })
    }
  }
  const root = commitments.length > 0 ? await computeDatasetRoot(commitments) : 0n
  if (options.expectedRoot !== undefined && root !== options.expectedRoot) {
    problems.push({ problem: `commitments rebuild root ${root}, but ${options.expectedRoot} is anchored` })
  }
  return { ok: problems.length === 0, problems, root, series, devices: [...devices] }
}
