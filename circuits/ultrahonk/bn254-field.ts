// BN254 field arithmetic on bigints for the UltraHonk verifier: the scalar field Fr (the verifier's
// transcript, sumcheck and opening scalars, what the Solidity verifier computes with addmod/mulmod)
// and the base field's modulus (point coordinates). Values are kept reduced, in [0, modulus).
import { SNARK_FIELD } from '../../core/index.js'

/** The scalar field's order r (the Solidity verifier's MODULUS, also called P there). */
export const FR_MODULUS = SNARK_FIELD
/** The base field's modulus q (the Solidity verifier's Q): G1 coordinates are below it. */
export const FQ_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

const R = FR_MODULUS

export const frAdd = (a: bigint, b: bigint): bigint => {
  const s = a + b
  return s >= R ? s - R : s
}
export const frSub = (a: bigint, b: bigint): bigint => {
  const s = a - b
  return s < 0n ? s + R : s
}
export const frMul = (a: bigint, b: bigint): bigint => (a * b) % R
export const frNeg = (a: bigint): bigint => (a === 0n ? 0n : R - a)

/** a^(2^k) by k squarings: the only exponents the verifier raises to (FrLib.pow takes powers of two). */
export function frPow2k(a: bigint, k: number): bigint {
  let x = a
  for (let i = 0; i < k; i++) x = (x * x) % R
  return x
}

/** The inverse of a nonzero element (extended Euclid: about 4× faster than a^(r−2) on bigints); undefined for zero. */
export function frInverse(a: bigint): bigint | undefined {
  return a === 0n ? undefined : modInverse(a, R)
}

/** a⁻¹ mod a prime m, for 0 < a < m, by the extended Euclidean algorithm. */
export function modInverse(a: bigint, m: bigint): bigint {
  let [t0, t1, r0, r1] = [0n, 1n, m, a]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[t0, t1] = [t1, t0 - q * t1]
    ;[r0, r1] = [r1, r0 - q * r1]
  }
  return t0 < 0n ? t0 + m : t0
}

/**
 * Every element's inverse with one field inversion (Montgomery's trick: 3(n−1) multiplications),
 * or undefined when one of them is zero: where the Solidity verifier would revert with InvertOfZero.
 */
export function frBatchInverse(values: readonly bigint[]): bigint[] | undefined {
  const n = values.length
  const prefix = new Array<bigint>(n)
  let acc = 1n
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    if (v === 0n) return undefined
    prefix[i] = acc
    acc = (acc * v) % R
  }
  let inv = frInverse(acc)!
  const out = new Array<bigint>(n)
  for (let i = n - 1; i >= 0; i--) {
    out[i] = (inv * prefix[i]!) % R
    inv = (inv * values[i]!) % R
  }
  return out
}
