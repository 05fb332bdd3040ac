import { FQ_MODULUS } from './bn254-field.js'
import { readWord } from './be-words.js'
import type { G2Point } from './g1-point.js'
import { parseHonkVk, type HonkVerificationKey } from './parse-honk-vk.js'
import { UltraHonkVerifyError } from './ultrahonk-verify-error.js'

/**
 * What verifying UltraHonk proofs of one circuit takes: bb's verification key and [x]₂ = tau·G2 of
 * the reference string the key was made with. bb compiles Aztec's [x]₂ into its own verifiers;
 * proofs under our CRS pair with ours, as in the generated Solidity verifier.
 */
export interface UltraHonkKey extends HonkVerificationKey {
  tauG2: G2Point
}

/** bb's `bn254_g2.dat` size: tau·G2 as x.c0, x.c1, y.c0, y.c1, 32-byte big-endian words. */
export const BB_G2_BYTES = 128

/**
 * tau·G2 from bb's `bn254_g2.dat` (writeBbCrs). Checks the coordinates are below q; that the point
 * is the CRS's tau·G2 is the caller's to know (the key's JSON records the CRS it was built for).
 *
 * @throws {UltraHonkVerifyError} for another length or a coordinate not below q
 */
export function parseBbG2(bytes: Uint8Array): G2Point {
  if (bytes.length !== BB_G2_BYTES) throw new UltraHonkVerifyError('tauG2', `${bytes.length} bytes, ${BB_G2_BYTES} expected`)
  const [x0, x1, y0, y1] = [0, 1, 2, 3].map((i) => readWord(bytes, 32 * i)) as [bigint, bigint, bigint, bigint]
  if ([x0, x1, y0, y1].some((v) => v >= FQ_MODULUS))
    throw new UltraHonkVerifyError('tauG2', 'a coordinate is not below the base field modulus')
  return { x: [x0, x1], y: [y0, y1] }
}

/** A verifier's key from bb's binary verification key and the CRS's `bn254_g2.dat`. @throws {UltraHonkVerifyError} */
export function ultraHonkKey(vk: Uint8Array, g2: Uint8Array): UltraHonkKey {
  return { ...parseHonkVk(vk), tauG2: parseBbG2(g2) }
}
