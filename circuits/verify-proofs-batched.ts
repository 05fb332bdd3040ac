import type { Groth16Proof, PublicSignals } from 'snarkjs'
import { big, curve as singleThreadCurve, verifyProof, type Curve, type VerificationKey } from './verify-proof.js'

/** One proof and its public signals, all under the same verification key. */
export interface ProofToVerify {
  publicSignals: PublicSignals
  proof: Groth16Proof
}

export interface BatchedVerifyOptions {
  /**
   * Proofs checked by one pairing equation. A larger chunk spreads the final exponentiation over
   * more proofs, a smaller one costs less when a chunk fails (each of its proofs is then verified
   * alone) and reports progress more often.
   */
  chunkSize?: number
  /** Proofs decided so far, after each chunk (e.g. for a progress bar). */
  onProgress?: (done: number, total: number) => void
  /**
   * The bn128 curve to compute with. Default: the single-threaded one verifyProof uses, which runs
   * in browsers as well; Node callers may pass ffjavascript's threaded curve to spread the Miller
   * loops over cores.
   */
  curve?: () => Promise<Curve>
}

export const DEFAULT_CHUNK_SIZE = 64

/**
 * Verifies many Groth16 proofs under one key: one verdict per proof, the same verifyProof gives.
 * A chunk of proofs is checked with one random linear combination of their pairing equations,
 * Π e(r_i·A_i, B_i) = e(Σr_i·α, β) · e(Σ r_i·L_i, γ) · e(Σ r_i·C_i, δ) with L_i = IC_0 + Σ_j s_ij·IC_j,
 * so one multi-Miller loop and one final exponentiation replace a four-pairing check per proof.
 * The r_i are independent 128-bit scalars from crypto.getRandomValues, chosen after the proofs are
 * fixed: a chunk holding an invalid proof passes with probability about 2⁻¹²⁸. When a chunk fails,
 * each of its proofs is verified alone, so the failing ones are named. Proofs snarkjs would reject
 * before pairing (wrong signal count, a signal ≥ the field order, a point off its curve) are
 * rejected the same way and never enter a combination.
 */
export async function verifyProofsBatched(
  vkey: VerificationKey,
  items: readonly ProofToVerify[],
  options: BatchedVerifyOptions = {},
): Promise<boolean[]> {
  if (vkey.protocol !== 'groth16' || String(vkey.curve).toLowerCase() !== 'bn128')
    throw new Error('verifyProofsBatched takes Groth16 keys over bn128')
  const verdicts = new Array<boolean>(items.length)
  if (items.length === 0) return verdicts
  const c = await (options.curve ?? singleThreadCurve)()
  const key = prepareKey(c, vkey)
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE)
  for (let from = 0; from < items.length; from += chunkSize) {
    const to = Math.min(items.length, from + chunkSize)
    await verifyChunk(c, key, vkey, items, from, to, verdicts)
    options.onProgress?.(to, items.length)
  }
  return verdicts
}

interface PreparedKey {
  ic: Uint8Array[]
  alpha: Uint8Array
  beta: Uint8Array
  gamma: Uint8Array
  delta: Uint8Array
}

function prepareKey(c: Curve, vkey: VerificationKey): PreparedKey {
  return {
    ic: (vkey.IC as unknown[]).map((p) => c.G1.fromObject(big(p))),
    alpha: c.G1.fromObject(big(vkey.vk_alpha_1)),
    beta: c.G2.fromObject(big(vkey.vk_beta_2)),
    gamma: c.G2.fromObject(big(vkey.vk_gamma_2)),
    delta: c.G2.fromObject(big(vkey.vk_delta_2)),
  }
}

/** What ffjavascript's thread manager takes: a wasm call sequence, run by a worker or inline. */
interface Threads {
  queueAction(task: unknown[]): Promise<Uint8Array[]>
}
interface CurveInternals {
  tm: Threads
  G2: { prefix: string; F: { n8: number } }
}

const rLittleEndian = new Map<bigint, Uint8Array>()

/**
 * [r]B = 0, queued on ffjavascript's thread manager (the cost that matters here, a 254-bit G2
 * multiplication per proof: with the threaded curve the workers share it; single-threaded it runs inline).
 */
async function inG2Subgroup(c: Curve, b: Uint8Array): Promise<boolean> {
  const { tm, G2 } = c as unknown as CurveInternals
  let scalar = rLittleEndian.get(c.r)
  if (scalar === undefined) {
    scalar = new Uint8Array(32)
    for (let k = 0, x = c.r; k < 32; k++, x >>= 8n) scalar[k] = Number(x & 0xffn)
    rLittleEndian.set(c.r, scalar)
  }
  const jacobian = G2.F.n8 * 3
  const [product] = await tm.queueAction([
    { cmd: 'ALLOCSET', var: 0, buff: b },
    { cmd: 'ALLOCSET', var: 1, buff: scalar },
    { cmd: 'ALLOC', var: 2, len: jacobian },
    {
      cmd: 'CALL',
      fnName: `${G2.prefix}_timesScalar${b.byteLength === jacobian ? '' : 'Affine'}`,
      params: [{ var: 0 }, { var: 1 }, { val: 32 }, { var: 2 }],
    },
    { cmd: 'GET', out: 0, var: 2, len: jacobian },
  ])
  return c.G2.isZero(product!)
}

/** A nonzero 128-bit scalar: zero would drop its proof from the combination. */
function randomScalar(): bigint {
  const bytes = new Uint8Array(16)
  for (;;) {
    crypto.getRandomValues(bytes)
    let r = 0n
    for (const b of bytes) r = (r << 8n) | BigInt(b)
    if (r !== 0n) return r
  }
}

async function verifyChunk(
  c: Curve,
  key: PreparedKey,
  vkey: VerificationKey,
  items: readonly ProofToVerify[],
  from: number,
  to: number,
  verdicts: boolean[],
): Promise<void> {
  const pairs: Uint8Array[] = []
  const combined: number[] = []
  // Σ r_i·s_ij per public input j (index 0: Σ r_i, the weight of IC_0 and of α), reduced mod r.
  const weights = new Array<bigint>(key.ic.length).fill(0n)
  let sumC = c.G1.zero
  for (let i = from; i < to; i++) {
    const { publicSignals, proof } = items[i]!
    if (publicSignals.length !== vkey.nPublic) {
      verdicts[i] = false
      continue
    }
    const signals = publicSignals.map((s) => BigInt(s))
    if (signals.some((s) => s < 0n || s >= c.r)) {
      verdicts[i] = false
      continue
    }
    const a = c.G1.fromObject(big(proof.pi_a))
    const b = c.G2.fromObject(big(proof.pi_b))
    const cc = c.G1.fromObject(big(proof.pi_c))
    if (!c.G1.isValid(a) || !c.G2.isValid(b) || !c.G1.isValid(cc)) {
      verdicts[i] = false
      continue
    }
    const r = randomScalar()
    pairs.push(c.G1.neg(c.G1.timesScalar(a, r)), b)
    sumC = c.G1.add(sumC, c.G1.timesScalar(cc, r))
    weights[0] = weights[0]! + r
    signals.forEach((s, j) => {
      weights[j + 1] = (weights[j + 1]! + r * s) % c.r
    })
    combined.push(i)
  }
  if (combined.length === 0) return
  // snarkjs checks B only on the twist, not in its prime-order subgroup. The combination's
  // argument needs bilinearity, which holds only in the subgroup: a chunk with such a B (never an
  // honest prover's) is left to the single checks, whose verdicts it gets.
  const inSubgroup = await Promise.all(combined.map((_, k) => inG2Subgroup(c, pairs[2 * k + 1]!)))
  if (inSubgroup.includes(false)) {
    for (const i of combined) verdicts[i] = await verifyProof(vkey, items[i]!.publicSignals, items[i]!.proof)
    return
  }
  let sumL = c.G1.zero
  weights.forEach((w, j) => {
    sumL = c.G1.add(sumL, c.G1.timesScalar(key.ic[j]!, w % c.r))
  })
  const ok = await c.pairingEq(...pairs, sumL, key.gamma, sumC, key.delta, c.G1.timesScalar(key.alpha, weights[0]! % c.r), key.beta)
  for (const i of combined) verdicts[i] = ok || (await verifyProof(vkey, items[i]!.publicSignals, items[i]!.proof))
}
