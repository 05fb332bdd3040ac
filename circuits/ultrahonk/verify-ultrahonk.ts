import type { Curve } from '../verify-proof.js'
import { FQ_MODULUS, FR_MODULUS } from './bn254-field.js'
import { readWord, wordsOf } from './be-words.js'
import { G1_GENERATOR, G2_GENERATOR, type G1Point } from './g1-point.js'
import {
  curveG1s,
  curveScalars,
  defaultHonkCurve,
  g1FromCurve,
  g2ToCurve,
  multiScalarMul,
  pairingCheck,
  writeCurveG1,
} from './honk-curve.js'
import { keccak256 } from './keccak256.js'
import { arePairingPointsDefault, pairingPointsOf } from './parse-honk-proof.js'
import { HONK_VK_COMMITMENTS } from './parse-honk-vk.js'
import { prepareUltraHonk, type PreparedUltraHonk, type UltraHonkPublicInputs } from './prepare-ultrahonk.js'
import type { UltraHonkKey } from './ultrahonk-key.js'

export interface VerifyUltraHonkOptions {
  /**
   * The bn128 curve to compute with. Default: the single-threaded one verifyProof uses, which runs
   * in browsers as well.
   */
  curve?: () => Promise<Curve>
}

/**
 * Verifies a bb UltraHonk proof (ZK flavour, keccak transcript, target evm) as bb's generated
 * Solidity verifier for `key` does, with its pairing's [x]₂ being the key's tauG2: `proof` is the
 * `bytes proof` and `publicInputs` the `bytes32[] publicInputs` that verifier's verify takes (the
 * statement's public inputs; the pairing-point object is at the start of the proof). Runs in
 * Node and in browsers. Resolves false for a well-formed proof that does not verify; throws for
 * input that verifier reverts on before reaching a verdict (wrong lengths, elements out of their
 * field, points off the curve), which an eth_call reports as a rejection too.
 *
 * @throws {UltraHonkVerifyError} for malformed input, naming the element at fault
 */
export async function verifyUltraHonk(
  key: UltraHonkKey,
  proof: Uint8Array,
  publicInputs: UltraHonkPublicInputs,
  options: VerifyUltraHonkOptions = {},
): Promise<boolean> {
  const prepared = prepareUltraHonk(key, proof, publicInputs)
  if (prepared === undefined) return false
  const c = await (options.curve ?? defaultHonkCurve)()
  const [p0, p1] = await pairingPointsOfProof(c, key, prepared)
  const g2 = keyG2(c, key)
  return pairingCheck(c, p0, p1, g2.generator, g2.tau)
}

/**
 * A prepared proof's pairing inputs (P0, P1), e(P0, [1]₂)·e(P1, [x]₂) = 1 for a valid proof:
 * P0 = Shplemini's batch of commitments, P1 = −[W]; with a pairing-point object (a proof that
 * verified others recursively), both folded with it by the recursion separator, as the Solidity
 * verifier's verifyShplemini does.
 */
export async function pairingPointsOfProof(c: Curve, key: UltraHonkKey, prepared: PreparedUltraHonk): Promise<[Uint8Array, Uint8Array]> {
  const { claim, proof } = prepared
  const bases = new Uint8Array(64 * (HONK_VK_COMMITMENTS.length + 1 + claim.proofPoints.length))
  bases.set(keyBases(key))
  writeCurveG1(bases, 64 * HONK_VK_COMMITMENTS.length, G1_GENERATOR)
  bases.set(curveG1s(claim.proofPoints), 64 * (HONK_VK_COMMITMENTS.length + 1))
  const scalars = curveScalars([...claim.vkScalars, claim.generatorScalar, ...claim.proofScalars])
  let p0 = await multiScalarMul(c, bases, scalars)
  const kzg = proof.kzgQuotient
  let p1 = kzg.x === 0n && kzg.y === 0n ? c.G1.zero : c.G1.neg(c.G1.fromObject([kzg.x, kzg.y]))
  if (arePairingPointsDefault(proof.pairingPointObject)) return [p0, p1]

  const [lhs, rhs] = pairingPointsOf(proof.pairingPointObject)
  const accLhs = g1FromCurve(c, p0)
  // negateInplace: (x, q − y), infinity and y = 0 left as they are.
  const accRhs: G1Point = { x: kzg.x, y: kzg.y === 0n ? 0n : FQ_MODULUS - kzg.y }
  const separator = readWord(keccak256(wordsOf([lhs.x, lhs.y, rhs.x, rhs.y, accLhs.x, accLhs.y, accRhs.x, accRhs.y])), 0) % FR_MODULUS
  const curvePoint = (p: G1Point): Uint8Array => c.G1.fromObject([p.x, p.y])
  p0 = c.G1.add(c.G1.timesScalar(p0, separator), curvePoint(lhs))
  p1 = c.G1.add(c.G1.timesScalar(p1, separator), curvePoint(rhs))
  return [p0, p1]
}

const keyBaseCache = new WeakMap<UltraHonkKey, Uint8Array>()
/** The key's commitments in the curve's form, converted once per key. */
export function keyBases(key: UltraHonkKey): Uint8Array {
  let bases = keyBaseCache.get(key)
  if (bases === undefined) {
    bases = curveG1s(HONK_VK_COMMITMENTS.map((name) => key.commitments[name]))
    keyBaseCache.set(key, bases)
  }
  return bases
}

const keyG2Cache = new WeakMap<UltraHonkKey, { curve: Curve; generator: Uint8Array; tau: Uint8Array }>()
/** [1]₂ and the key's [x]₂ in the curve's form. */
export function keyG2(c: Curve, key: UltraHonkKey): { generator: Uint8Array; tau: Uint8Array } {
  let g2 = keyG2Cache.get(key)
  if (g2?.curve !== c) {
    g2 = { curve: c, generator: g2ToCurve(c, G2_GENERATOR), tau: g2ToCurve(c, key.tauG2) }
    keyG2Cache.set(key, g2)
  }
  return g2
}
