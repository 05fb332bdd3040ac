import type { Groth16Proof, PublicSignals } from 'snarkjs'
import {
  assertGroth16Key,
  big,
  curve as singleThreadCurve,
  parseProof,
  verifyProof,
  type Curve,
  type VerificationKey,
} from './verify-proof.js'

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
   * in browsers as well; Node callers may pass ffjavascript's threaded curve
   * (threadedVerifierCurve, circuits/node.ts) to spread the per-proof work over cores.
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
 * rejected the same way and never enter a combination; a B on the twist outside G2 (which snarkjs
 * does not check, and the combination's argument needs) sends its chunk to the single checks.
 */
export async function verifyProofsBatched(
  vkey: VerificationKey,
  items: readonly ProofToVerify[],
  options: BatchedVerifyOptions = {},
): Promise<boolean[]> {
  assertGroth16Key(vkey, 'verifyProofsBatched')
  const verdicts = new Array<boolean>(items.length)
  if (items.length === 0) return verdicts
  const c = await (options.curve ?? singleThreadCurve)()
  const key = prepareKey(c, vkey)
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE)
  const { tm } = c as unknown as CurveInternals
  // On the threaded curve the next chunks are prepared and queued while the workers run this one;
  // inline (single-threaded) that would only delay the progress reports.
  const window = tm.singleThread ? 1 : 2 * tm.concurrency
  const pending: Array<{ done: Promise<void>; to: number }> = []
  for (let from = 0; from < items.length; from += chunkSize) {
    const to = Math.min(items.length, from + chunkSize)
    const done = verifyChunk(c, key, vkey, items, from, to, verdicts)
    // Awaited below in order; until then a rejection (malformed input) must not count as unhandled.
    done.catch(() => {})
    pending.push({ done, to })
    while (pending.length >= window || (to === items.length && pending.length > 0)) {
      const first = pending.shift()!
      await first.done
      options.onProgress?.(first.to, items.length)
    }
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
  singleThread: boolean
  concurrency: number
  queueAction(task: unknown[]): Promise<Uint8Array[]>
}
interface Field {
  n8: number
  one: Uint8Array
  mul(a: Uint8Array, b: Uint8Array): Uint8Array
  eq(a: Uint8Array, b: Uint8Array): boolean
}
interface CurveInternals {
  name: string
  tm: Threads
  prePSize: number
  preQSize: number
  Gt: Field
  G1: { prefix: string; F: { n8: number }; toJacobian(a: Uint8Array): Uint8Array }
  G2: { prefix: string; F: { n8: number }; toJacobian(a: Uint8Array): Uint8Array }
  finalExponentiation(a: Uint8Array): Uint8Array
}

/** A scalar as the wasm takes it: little-endian bytes. */
function littleEndian(x: bigint, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes)
  for (let k = 0; k < bytes; k++, x >>= 8n) out[k] = Number(x & 0xffn)
  return out
}

/** A nonzero 128-bit scalar: zero would drop its proof from the combination. */
function randomScalar(): Uint8Array {
  const bytes = new Uint8Array(16)
  do crypto.getRandomValues(bytes)
  while (bytes.every((b) => b === 0))
  return bytes
}

const fromLittleEndian = (bytes: Uint8Array): bigint => bytes.reduceRight((x, b) => (x << 8n) | BigInt(b), 0n)

/** A proof that passed snarkjs's checks, in the curve's form, with its scalar. */
interface Entry {
  item: number
  a: Uint8Array
  /** Jacobian, as prepareG2 takes it. */
  b: Uint8Array
  c: Uint8Array
  r: Uint8Array
}

/**
 * One wasm task over a group of proofs: for each, [order]B (to check B is in G2), r·C, and the
 * Miller loop of (r·A, B), the loops multiplied into one value. The group is the unit a worker of
 * the threaded curve takes, so every per-proof cost runs off the main thread there.
 */
async function millerGroup(c: Curve, group: Entry[]): Promise<{ rc: Uint8Array[]; orderB: Uint8Array[]; product: Uint8Array }> {
  const { tm, name, prePSize, preQSize, Gt, G1, G2 } = c as unknown as CurveInternals
  const g1 = G1.F.n8 * 3
  const g2 = G2.F.n8 * 3
  const task: unknown[] = [
    { cmd: 'ALLOCSET', var: 0, buff: littleEndian(c.r, 32) },
    { cmd: 'ALLOCSET', var: 1, buff: Gt.one },
    { cmd: 'ALLOC', var: 2, len: G1.F.n8 * 2 },
    { cmd: 'ALLOC', var: 3, len: g2 },
    { cmd: 'ALLOC', var: 4, len: G1.F.n8 * 2 },
    { cmd: 'ALLOC', var: 5, len: 16 },
    { cmd: 'ALLOC', var: 6, len: g1 },
    { cmd: 'ALLOC', var: 7, len: g1 },
    { cmd: 'ALLOC', var: 8, len: g2 },
    { cmd: 'ALLOC', var: 9, len: prePSize },
    { cmd: 'ALLOC', var: 10, len: preQSize },
    { cmd: 'ALLOC', var: 11, len: Gt.n8 },
  ]
  group.forEach((e, k) => {
    task.push(
      { cmd: 'SET', var: 2, buff: e.a },
      { cmd: 'SET', var: 3, buff: e.b },
      { cmd: 'SET', var: 4, buff: e.c },
      { cmd: 'SET', var: 5, buff: e.r },
      { cmd: 'CALL', fnName: `${G1.prefix}_timesScalarAffine`, params: [{ var: 2 }, { var: 5 }, { val: 16 }, { var: 6 }] },
      { cmd: 'CALL', fnName: `${G1.prefix}_timesScalarAffine`, params: [{ var: 4 }, { var: 5 }, { val: 16 }, { var: 7 }] },
      { cmd: 'CALL', fnName: `${G2.prefix}_timesScalar`, params: [{ var: 3 }, { var: 0 }, { val: 32 }, { var: 8 }] },
      { cmd: 'CALL', fnName: `${name}_prepareG1`, params: [{ var: 6 }, { var: 9 }] },
      { cmd: 'CALL', fnName: `${name}_prepareG2`, params: [{ var: 3 }, { var: 10 }] },
      { cmd: 'CALL', fnName: `${name}_millerLoop`, params: [{ var: 9 }, { var: 10 }, { var: 11 }] },
      { cmd: 'CALL', fnName: 'ftm_mul', params: [{ var: 1 }, { var: 11 }, { var: 1 }] },
      { cmd: 'GET', out: 2 * k + 1, var: 7, len: g1 },
      { cmd: 'GET', out: 2 * k + 2, var: 8, len: g2 },
    )
  })
  task.push({ cmd: 'GET', out: 0, var: 1, len: Gt.n8 })
  const out = await tm.queueAction(task)
  return {
    product: out[0]!,
    rc: group.map((_, k) => out[2 * k + 1]!),
    orderB: group.map((_, k) => out[2 * k + 2]!),
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
  const internals = c as unknown as CurveInternals
  const entries: Entry[] = []
  // Σ r_i·s_ij per public input j (index 0: Σ r_i, the weight of IC_0 and of α), reduced mod r.
  const weights = new Array<bigint>(key.ic.length).fill(0n)
  for (let i = from; i < to; i++) {
    const parsed = parseProof(c, vkey, items[i]!.publicSignals, items[i]!.proof)
    if (parsed === undefined) {
      verdicts[i] = false
      continue
    }
    const bytes = randomScalar()
    const r = fromLittleEndian(bytes)
    weights[0] = weights[0]! + r
    parsed.signals.forEach((s, j) => {
      weights[j + 1] = (weights[j + 1]! + r * s) % c.r
    })
    entries.push({ item: i, a: c.G1.toAffine(parsed.a), b: internals.G2.toJacobian(parsed.b), c: c.G1.toAffine(parsed.c), r: bytes })
  }
  if (entries.length === 0) return
  const { tm } = internals
  // Twice as many groups as workers, so one slow worker does not hold the chunk up.
  const size = Math.max(1, Math.ceil(entries.length / (2 * Math.max(1, tm.concurrency))))
  const groups: Entry[][] = []
  for (let k = 0; k < entries.length; k += size) groups.push(entries.slice(k, k + size))
  const results = await Promise.all(groups.map((g) => millerGroup(c, g)))
  // snarkjs checks B only on the twist, not in its prime-order subgroup. The combination's
  // argument needs bilinearity, which holds only in the subgroup: a chunk with such a B (never an
  // honest prover's) is left to the single checks, whose verdicts they get.
  const inSubgroup = results.every((res) => res.orderB.every((p) => c.G2.isZero(p)))
  let ok = false
  if (inSubgroup) {
    let sumC = c.G1.zero
    for (const res of results) for (const p of res.rc) sumC = c.G1.add(sumC, p)
    let sumL = c.G1.zero
    weights.forEach((w, j) => {
      sumL = c.G1.add(sumL, c.G1.timesScalar(key.ic[j]!, w % c.r))
    })
    // Π e(r_i·A_i, B_i) · e(−Σr_i·L_i, γ) · e(−Σr_i·C_i, δ) · e(−Σr_i·α, β) = 1
    const { Gt } = internals
    let product = results.reduce((acc, res) => Gt.mul(acc, res.product), Gt.one)
    product = Gt.mul(product, await keyMillerLoops(c, key, sumL, sumC, c.G1.timesScalar(key.alpha, weights[0]! % c.r)))
    ok = Gt.eq(internals.finalExponentiation(product), Gt.one)
  }
  for (const e of entries) verdicts[e.item] = ok || (await verifyProof(vkey, items[e.item]!.publicSignals, items[e.item]!.proof))
}

/** The Miller loops of the key's side, negated onto the left: (−L, γ), (−C, δ), (−α', β). */
async function keyMillerLoops(c: Curve, key: PreparedKey, sumL: Uint8Array, sumC: Uint8Array, alpha: Uint8Array): Promise<Uint8Array> {
  const { tm, name, prePSize, preQSize, Gt, G1, G2 } = c as unknown as CurveInternals
  const task: unknown[] = [
    { cmd: 'ALLOCSET', var: 0, buff: Gt.one },
    { cmd: 'ALLOC', var: 1, len: G1.F.n8 * 3 },
    { cmd: 'ALLOC', var: 2, len: G2.F.n8 * 3 },
    { cmd: 'ALLOC', var: 3, len: prePSize },
    { cmd: 'ALLOC', var: 4, len: preQSize },
    { cmd: 'ALLOC', var: 5, len: Gt.n8 },
  ]
  for (const [p, q] of [
    [sumL, key.gamma],
    [sumC, key.delta],
    [alpha, key.beta],
  ] as const)
    task.push(
      { cmd: 'SET', var: 1, buff: G1.toJacobian(c.G1.neg(p)) },
      { cmd: 'SET', var: 2, buff: G2.toJacobian(q) },
      { cmd: 'CALL', fnName: `${name}_prepareG1`, params: [{ var: 1 }, { var: 3 }] },
      { cmd: 'CALL', fnName: `${name}_prepareG2`, params: [{ var: 2 }, { var: 4 }] },
      { cmd: 'CALL', fnName: `${name}_millerLoop`, params: [{ var: 3 }, { var: 4 }, { var: 5 }] },
      { cmd: 'CALL', fnName: 'ftm_mul', params: [{ var: 0 }, { var: 5 }, { var: 0 }] },
    )
  task.push({ cmd: 'GET', out: 0, var: 0, len: Gt.n8 })
  return (await tm.queueAction(task))[0]!
}
