import type { Curve } from '../verify-proof.js'
import type { BatchedVerifyOptions } from '../verify-proofs-batched.js'
import { FR_MODULUS } from './bn254-field.js'
import { G1_GENERATOR } from './g1-point.js'
import { curveScalars, defaultHonkCurve, multiScalarMul, pairingCheck, writeCurveG1 } from './honk-curve.js'
import { arePairingPointsDefault } from './parse-honk-proof.js'
import { HONK_VK_COMMITMENTS } from './parse-honk-vk.js'
import { prepareUltraHonk, type PreparedUltraHonk, type UltraHonkPublicInputs } from './prepare-ultrahonk.js'
import type { UltraHonkKey } from './ultrahonk-key.js'
import { UltraHonkVerifyError } from './ultrahonk-verify-error.js'
import { keyBases, keyG2, pairingPointsOfProof } from './verify-ultrahonk.js'

/** One UltraHonk proof and its public inputs, all under the same key (verifyUltraHonk's arguments). */
export interface UltraHonkProofToVerify {
  proof: Uint8Array
  publicInputs: UltraHonkPublicInputs
}

/** verifyProofsBatched's options (chunk size, progress, curve), and what to do with a malformed item. */
export interface UltraHonkBatchOptions extends BatchedVerifyOptions {
  /**
   * Given: a malformed item is false (as the contract's revert is to an eth_call) and reported
   * here, and the others are still verified in their chunks. Without it the call throws: one bad
   * item must not send a whole bundle to one-by-one verification.
   */
  onMalformed?: (index: number, error: UltraHonkVerifyError) => void
}

export const DEFAULT_ULTRAHONK_CHUNK_SIZE = 64

/**
 * Verifies many UltraHonk proofs under one key: one verdict per proof, the same verifyUltraHonk
 * gives. Everything before the pairing (transcript, sumcheck, Shplemini, the small-subgroup check)
 * runs per proof; a proof that fails it is false and never enters a combination. The pairing
 * equations of a chunk's remaining proofs, e(P0_i, [1]₂)·e(P1_i, [x]₂) = 1, are checked as one
 * random linear combination e(Σ r_i·P0_i, [1]₂)·e(Σ r_i·P1_i, [x]₂) = 1, where each P0_i is itself
 * a combination of the key's commitments, [1]₁ and the proof's (so the key's are summed once per
 * chunk, and all of it is one multi-scalar multiplication). The r_i are independent 128-bit scalars
 * from crypto.getRandomValues, chosen after the proofs are fixed: a chunk holding a proof whose
 * equation fails passes with probability about 2⁻¹²⁸ (G1 has prime order, so every point is in the
 * group the argument needs). When a chunk fails, each of its proofs is paired alone, so the failing
 * ones are named. A proof with a pairing-point object (one that aggregated others) enters with its
 * own P0, P1, folded as the Solidity verifier folds them.
 *
 * @throws {UltraHonkVerifyError} for a malformed item (verifyUltraHonk's), its field prefixed `items[i].`,
 *   unless `onMalformed` is given
 */
export async function verifyUltraHonkBatch(
  key: UltraHonkKey,
  items: readonly UltraHonkProofToVerify[],
  options: UltraHonkBatchOptions = {},
): Promise<boolean[]> {
  const verdicts = new Array<boolean>(items.length)
  if (items.length === 0) return verdicts
  const c = await (options.curve ?? defaultHonkCurve)()
  const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_ULTRAHONK_CHUNK_SIZE)
  const { tm } = c as unknown as { tm: { singleThread: boolean; concurrency: number } }
  // On the threaded curve the next chunks are prepared (bigint work, this thread) while the
  // workers multiply and pair this one; inline (single-threaded) that would only delay the reports.
  const window = tm.singleThread ? 1 : 2 * tm.concurrency
  const pending: Array<{ done: Promise<void>; to: number }> = []
  for (let from = 0; from < items.length; from += chunkSize) {
    const to = Math.min(items.length, from + chunkSize)
    const done = verifyChunk(c, key, items, from, to, verdicts, options.onMalformed)
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

async function verifyChunk(
  c: Curve,
  key: UltraHonkKey,
  items: readonly UltraHonkProofToVerify[],
  from: number,
  to: number,
  verdicts: boolean[],
  onMalformed: UltraHonkBatchOptions['onMalformed'],
): Promise<void> {
  const prepared: Array<{ item: number; prepared: PreparedUltraHonk }> = []
  for (let i = from; i < to; i++) {
    let p: PreparedUltraHonk | undefined
    try {
      p = prepareItem(key, items, i)
    } catch (err) {
      if (onMalformed === undefined || !(err instanceof UltraHonkVerifyError)) throw err
      onMalformed(i, err)
    }
    if (p === undefined) verdicts[i] = false
    else prepared.push({ item: i, prepared: p })
  }
  if (prepared.length === 0) return
  const ok = await combinedPairing(
    c,
    key,
    prepared.map((e) => e.prepared),
  )
  for (const e of prepared) verdicts[e.item] = ok || (await pairsAlone(c, key, e.prepared))
}

function prepareItem(key: UltraHonkKey, items: readonly UltraHonkProofToVerify[], i: number): PreparedUltraHonk | undefined {
  try {
    return prepareUltraHonk(key, items[i]!.proof, items[i]!.publicInputs)
  } catch (err) {
    if (!(err instanceof UltraHonkVerifyError)) throw err
    throw new UltraHonkVerifyError(`items[${i}].${err.field}`, err.message.slice(err.field.length + 2), { cause: err })
  }
}

/** A nonzero 128-bit scalar: zero would drop its proof from the combination. */
function randomScalar(): bigint {
  const bytes = new Uint8Array(16)
  do crypto.getRandomValues(bytes)
  while (bytes.every((b) => b === 0))
  return bytes.reduce((x, b) => (x << 8n) | BigInt(b), 0n)
}

/** The pairing of one proof alone: what verifyUltraHonk checks after prepareUltraHonk. */
async function pairsAlone(c: Curve, key: UltraHonkKey, prepared: PreparedUltraHonk): Promise<boolean> {
  const [p0, p1] = await pairingPointsOfProof(c, key, prepared)
  const g2 = keyG2(c, key)
  return pairingCheck(c, p0, p1, g2.generator, g2.tau)
}

/**
 * e(Σ r_i·P0_i, [1]₂)·e(Σ r_i·P1_i, [x]₂) = 1 for fresh random r_i. Σ r_i·P0_i is one multi-scalar
 * multiplication over the key's commitments (scalars Σ r_i·s_ij), [1]₁ and every proof's own
 * commitments (r_i·s); Σ r_i·P1_i = Σ (−r_i)·[W_i], a second one.
 */
async function combinedPairing(c: Curve, key: UltraHonkKey, prepared: readonly PreparedUltraHonk[]): Promise<boolean> {
  const R = FR_MODULUS
  const nKey = HONK_VK_COMMITMENTS.length
  const keyScalars = new Array<bigint>(nKey + 1).fill(0n)
  const folded: Array<{ r: bigint; p0: Uint8Array; p1: Uint8Array }> = []
  const plain = prepared.filter((p) => arePairingPointsDefault(p.proof.pairingPointObject))
  const ownPoints = plain.reduce((n, p) => n + p.claim.proofPoints.length, 0)
  const bases = new Uint8Array(64 * (nKey + 1 + ownPoints))
  const scalars: bigint[] = []
  const quotients = new Uint8Array(64 * plain.length)
  const quotientScalars: bigint[] = []
  let at = nKey + 1
  for (const p of prepared) {
    const r = randomScalar()
    if (!arePairingPointsDefault(p.proof.pairingPointObject)) {
      const [p0, p1] = await pairingPointsOfProof(c, key, p)
      folded.push({ r, p0, p1 })
      continue
    }
    const { claim } = p
    claim.vkScalars.forEach((s, j) => {
      keyScalars[j] = keyScalars[j]! + r * s
    })
    keyScalars[nKey] = keyScalars[nKey]! + r * claim.generatorScalar
    claim.proofPoints.forEach((point, j) => {
      writeCurveG1(bases, 64 * at++, point)
      scalars.push((r * claim.proofScalars[j]!) % R)
    })
    writeCurveG1(quotients, 64 * quotientScalars.length, p.proof.kzgQuotient)
    quotientScalars.push(R - r)
  }
  bases.set(keyBases(key))
  writeCurveG1(bases, 64 * nKey, G1_GENERATOR)
  let p0 = await multiScalarMul(c, bases, curveScalars([...keyScalars.map((s) => s % R), ...scalars]))
  let p1 = await multiScalarMul(c, quotients, curveScalars(quotientScalars))
  for (const f of folded) {
    p0 = c.G1.add(p0, c.G1.timesScalar(f.p0, f.r))
    p1 = c.G1.add(p1, c.G1.timesScalar(f.p1, f.r))
  }
  const g2 = keyG2(c, key)
  return pairingCheck(c, p0, p1, g2.generator, g2.tau)
}
