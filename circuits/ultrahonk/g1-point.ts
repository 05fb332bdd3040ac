import { FQ_MODULUS } from './bn254-field.js'
import { readWord } from './be-words.js'
import { UltraHonkVerifyError } from './ultrahonk-verify-error.js'

/** An affine BN254 G1 point; (0, 0) is the point at infinity (EIP-196's encoding, as bb's verifier takes it). */
export interface G1Point {
  x: bigint
  y: bigint
}

/** A BN254 G2 point, each coordinate in F_q² as [c0, c1] (value c0 + c1·u). */
export interface G2Point {
  x: readonly [bigint, bigint]
  y: readonly [bigint, bigint]
}

export const G1_GENERATOR: G1Point = { x: 1n, y: 2n }

/** [1]_2, the G2 generator the Solidity verifier's pairing pairs P0 with. */
export const G2_GENERATOR: G2Point = {
  x: [
    0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6edn,
    0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2n,
  ],
  y: [
    0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daan,
    0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975bn,
  ],
}

/** Whether a point with coordinates below q is the infinity encoding or lies on y² = x³ + 3 (G1 has cofactor 1). */
export function isOnG1(p: G1Point): boolean {
  if (p.x === 0n && p.y === 0n) return true
  const q = FQ_MODULUS
  return (p.y * p.y) % q === (((p.x * p.x) % q) * p.x + 3n) % q
}

/**
 * The point in the two words at byte `offset`: x then y, big-endian. The Solidity verifier refuses
 * a coordinate not below q (ValueGeGroupOrder) when it loads the proof, and a point off the curve
 * when the ecMul/ecAdd precompiles first touch it; both are refused here at once.
 *
 * @throws {UltraHonkVerifyError} naming `field`
 */
export function readG1(bytes: Uint8Array, offset: number, field: string): G1Point {
  const p = { x: readWord(bytes, offset), y: readWord(bytes, offset + 32) }
  checkG1(p, field)
  return p
}

/** @throws {UltraHonkVerifyError} unless `p` has coordinates below q and is on the curve (or the infinity encoding) */
export function checkG1(p: G1Point, field: string): void {
  if (p.x >= FQ_MODULUS || p.y >= FQ_MODULUS) throw new UltraHonkVerifyError(field, 'a coordinate is not below the base field modulus')
  if (!isOnG1(p)) throw new UltraHonkVerifyError(field, 'the point is not on the BN254 curve')
}
