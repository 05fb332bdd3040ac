import { z } from 'zod'
import { AssayError } from '../core/index.js'
import { combineBatchStats, computeDatasetRoot, type SeriesTotals } from './dataset-stats.js'
import { parsePublicSignals, type BatchPublicSignals, type OutputLimits } from './public-signals.js'
import { proofSystemOf } from './honk-manifest.js'
import { sensorStatsParams } from './sensor-stats-params.js'
import type { Curve, VerificationKey } from './verify-proof.js'
import { verifyProofsBatched } from './verify-proofs-batched.js'
import { verifyUltraHonkBatch, type UltraHonkKey } from './ultrahonk/index.js'

/** A bundle that is not well formed. */
export class ProofBundleError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProofBundleError'
  }
}

const fieldString = z.string().regex(/^\d{1,78}$/)
const groth16ProofSchema = z.object({
  pi_a: z.array(fieldString).length(3),
  pi_b: z.array(z.array(fieldString).length(2)).length(3),
  pi_c: z.array(fieldString).length(3),
  protocol: z.literal('groth16'),
  curve: z.literal('bn128'),
})
/** bb's UltraHonk proofs (target evm) are about 8.8 KB; anything far larger is not one. */
export const MAX_HONK_PROOF_BYTES = 12_288
const honkProofSchema = z.strictObject({
  protocol: z.literal('ultrahonk'),
  curve: z.literal('bn128'),
  /** bb's proof bytes, base64. */
  proof: z
    .string()
    .max(Math.ceil(MAX_HONK_PROOF_BYTES / 3) * 4)
    .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/, 'base64 (padded)'),
})
const proofSchema = z.union([groth16ProofSchema, honkProofSchema])

/** The proof bundle stored in IPFS next to a dataset (docs/formats-and-protocol.md). */
export const proofBundleSchema = z.strictObject({
  version: z.literal(1),
  circuitId: z.string().min(1),
  /**
   * sha256 (hex) of the verification key: the vkey JSON for Groth16 (circuits/artifacts.json),
   * bb's key bytes for UltraHonk (circuits/honk-artifacts.json).
   */
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
/** One batch of a bundle. */
export type BundleBatch = ProofBundle['batches'][number]
/** A Groth16 proof as a bundle stores it (snarkjs's JSON). */
export type Groth16BundleProof = z.infer<typeof groth16ProofSchema>
/** An UltraHonk proof as a bundle stores it (bb's bytes, base64). */
export type HonkBundleProof = z.infer<typeof honkProofSchema>
/** A batch whose proof is a Groth16 one. */
export type Groth16BundleBatch = BundleBatch & { proof: Groth16BundleProof }

/** The bytes of a bundle's UltraHonk proof. */
export function honkProofBytes(proof: HonkBundleProof): Uint8Array {
  return Uint8Array.from(atob(proof.proof), (ch) => ch.charCodeAt(0))
}

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

/**
 * Whether the verifier installed for the bundle's UltraHonk circuit accepts a proof with these
 * public signals (e.g. an eth_call of the registry slot's verifier contract, which holds the
 * verification key). Resolves false for a rejected proof; rejects only when it cannot answer.
 */
export type HonkProofVerifier = (proof: Uint8Array, publicSignals: readonly string[]) => Promise<boolean>

/** Honk proofs are verified this many at a time (each an EVM call of about 3.8M gas, ≈ 50 ms on anvil). */
const HONK_CONCURRENCY = 4

export interface VerifyBundleOptions {
  /** The Groth16 verification key (a Groth16 bundle). */
  vkey?: VerificationKey
  /**
   * An UltraHonk bundle's key (committedHonkKey): its proofs are verified here, by the TypeScript
   * UltraHonk verifier, all under one random-combination pairing per chunk.
   */
  honkKey?: UltraHonkKey
  /** Without `honkKey`: the verifier of an UltraHonk bundle's proofs (e.g. an eth_call, one proof at a time). */
  honkVerifier?: HonkProofVerifier
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
  // Every batch's proof must be of the circuit's own system: a Honk proof filed under a Groth16
  // circuit (or the reverse) is not verified at all.
  const system = proofSystemOf(bundle.circuitId)
  const misfiled = bundle.batches.map((b) => b.proof.protocol !== system)
  const toVerify = bundle.batches.filter((_, i) => !(parsed[i] instanceof Error) && !misfiled[i])
  const onProgress = options.onProgress !== undefined ? (done: number): void => options.onProgress!(done, toVerify.length) : undefined
  // Batches whose signals do not parse are not verified: the total is what is, so a bar ends full.
  // A missing key or verifier fails the bundle; a verifier that gave no verdict (the RPC) is thrown:
  // it says nothing about the proofs, so the caller tries again rather than calling them forged.
  const verified = await verifyAll(system, toVerify, options, onProgress).catch((err: unknown) => {
    if (!(err instanceof ProofBundleError)) throw err
    problems.push({ problem: err.message })
    return toVerify.map(() => false)
  })
  let next = 0
  bundle.batches.forEach((b, i) => {
    const at = { series: b.series, index: b.index }
    const signals = parsed[i]!
    if (signals instanceof Error) {
      problems.push({ batch: at, problem: signals.message })
      return
    }
    if (misfiled[i])
      problems.push({ batch: at, problem: `a ${b.proof.protocol} proof, but circuit ${bundle.circuitId} is proven with ${system}` })
    else if (!verified[next++]) problems.push({ batch: at, problem: 'proof does not verify' })
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

/**
 * Every proof under its system: Groth16 all at once (a random linear combination per chunk, each
 * proof of a failing chunk then alone); UltraHonk the same way with its key, or else each by the
 * given verifier (the installed contract), a few at a time.
 * @throws {ProofBundleError} when the system's key or verifier is missing
 * @throws whatever the Honk verifier throws when it gives no verdict (e.g. VerifierUnavailableError)
 */
async function verifyAll(
  system: 'groth16' | 'ultrahonk',
  items: ProofBundle['batches'],
  options: VerifyBundleOptions,
  onProgress: ((done: number) => void) | undefined,
): Promise<boolean[]> {
  if (system === 'groth16') {
    if (options.vkey === undefined) throw new ProofBundleError('no Groth16 verification key was given for a Groth16 bundle')
    return verifyProofsBatched(options.vkey, items as Groth16BundleBatch[], {
      ...(options.curve !== undefined ? { curve: options.curve } : {}),
      ...(onProgress !== undefined ? { onProgress } : {}),
    })
  }
  if (options.honkKey !== undefined) return verifyHonkHere(options.honkKey, items, options, onProgress)
  const verify = options.honkVerifier
  if (verify === undefined) throw new ProofBundleError('no UltraHonk key or verifier was given for an UltraHonk bundle')
  const verdicts = new Array<boolean>(items.length).fill(false)
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++
      const b = items[i]!
      const bytes = honkProofBytes(b.proof as HonkBundleProof)
      verdicts[i] = bytes.length <= MAX_HONK_PROOF_BYTES && (await verify(bytes, b.publicSignals))
      onProgress?.(++done)
    }
  }
  await Promise.all(Array.from({ length: Math.min(HONK_CONCURRENCY, items.length) }, worker))
  return verdicts
}

/**
 * UltraHonk proofs by the TypeScript verifier, batched. A malformed proof (a point off the curve, a
 * wrong length) is false for its batch alone; the others stay in their chunks. Oversized proofs are
 * false without being read.
 */
async function verifyHonkHere(
  key: UltraHonkKey,
  items: ProofBundle['batches'],
  options: VerifyBundleOptions,
  onProgress: ((done: number) => void) | undefined,
): Promise<boolean[]> {
  const bytes = items.map((b) => honkProofBytes(b.proof as HonkBundleProof))
  const sized = items.flatMap((b, i) => (bytes[i]!.length <= MAX_HONK_PROOF_BYTES ? [i] : []))
  const verdicts = new Array<boolean>(items.length).fill(false)
  const found = await verifyUltraHonkBatch(
    key,
    sized.map((i) => ({ proof: bytes[i]!, publicInputs: items[i]!.publicSignals })),
    {
      ...(options.curve !== undefined ? { curve: options.curve } : {}),
      ...(onProgress !== undefined ? { onProgress: (done: number) => onProgress(done) } : {}),
      onMalformed: () => undefined, // false, like any proof that does not verify
    },
  )
  sized.forEach((i, k) => (verdicts[i] = found[k]!))
  return verdicts
}
