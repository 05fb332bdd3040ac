// The UltraHonk verifier's group operations on ffjavascript's bn128 (WebAssembly, Node and browsers):
// multi-scalar multiplications and the pairing check. Points go in as ffjavascript holds them
// (affine, little-endian Montgomery form); scalars as little-endian integers.
import { curve as singleThreadCurve, type Curve } from '../verify-proof.js'
import { FQ_MODULUS, FR_MODULUS, modInverse } from './bn254-field.js'
import type { G1Point, G2Point } from './g1-point.js'

/** The parts of ffjavascript's curve beyond verify-proof's Curve that the verifier uses. */
interface CurveInternals {
  tm: { queueAction(task: unknown[]): Promise<Uint8Array[]> }
  G1: { toAffine(a: Uint8Array): Uint8Array }
}

/** The single-threaded bn128 curve verifyProof uses: WebAssembly, runs in browsers, no workers to end. */
export const defaultHonkCurve: () => Promise<Curve> = singleThreadCurve

const Q = FQ_MODULUS
/** 2^256 mod q and its inverse: ffjavascript's Montgomery factor for base-field elements. */
const MONTGOMERY = (1n << 256n) % Q
const MONTGOMERY_INVERSE = modInverse(MONTGOMERY, Q)

function writeLittleEndian(out: Uint8Array, offset: number, value: bigint): void {
  const view = new DataView(out.buffer, out.byteOffset + offset, 32)
  view.setBigUint64(0, BigInt.asUintN(64, value), true)
  view.setBigUint64(8, BigInt.asUintN(64, value >> 64n), true)
  view.setBigUint64(16, BigInt.asUintN(64, value >> 128n), true)
  view.setBigUint64(24, BigInt.asUintN(64, value >> 192n), true)
}

function readLittleEndian(bytes: Uint8Array, offset: number): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 32)
  return (
    view.getBigUint64(0, true) |
    (view.getBigUint64(8, true) << 64n) |
    (view.getBigUint64(16, true) << 128n) |
    (view.getBigUint64(24, true) << 192n)
  )
}

/** Writes a checked G1 point (coordinates below q) at `offset` as ffjavascript's affine form; (0, 0), infinity, stays all zero. */
export function writeCurveG1(out: Uint8Array, offset: number, p: G1Point): void {
  if (p.x === 0n && p.y === 0n) {
    out.fill(0, offset, offset + 64)
    return
  }
  writeLittleEndian(out, offset, (p.x * MONTGOMERY) % Q)
  writeLittleEndian(out, offset + 32, (p.y * MONTGOMERY) % Q)
}

/** Points as one buffer of ffjavascript affine points. */
export function curveG1s(points: readonly G1Point[]): Uint8Array {
  const out = new Uint8Array(64 * points.length)
  points.forEach((p, i) => writeCurveG1(out, 64 * i, p))
  return out
}

/** Scalars (below 2^256) as one buffer of 32-byte little-endian integers. */
export function curveScalars(scalars: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(32 * scalars.length)
  scalars.forEach((s, i) => writeLittleEndian(out, 32 * i, s))
  return out
}

/** A curve point (affine or Jacobian) as the verifier's affine G1Point; infinity is (0, 0) as on the EVM. */
export function g1FromCurve(c: Curve, point: Uint8Array): G1Point {
  const affine = (c as unknown as CurveInternals).G1.toAffine(point)
  if (c.G1.isZero(affine)) return { x: 0n, y: 0n }
  return { x: (readLittleEndian(affine, 0) * MONTGOMERY_INVERSE) % Q, y: (readLittleEndian(affine, 32) * MONTGOMERY_INVERSE) % Q }
}

/** A G2 point in the curve's form (ffjavascript's fromObject takes [[x.c0, x.c1], [y.c0, y.c1]]). */
export function g2ToCurve(c: Curve, p: G2Point): Uint8Array {
  return c.G2.fromObject([[...p.x], [...p.y]])
}

/**
 * Σ scalars[i]·bases[i] in one WebAssembly call (ffjavascript's multiExpAffine splits even a small
 * sum into many queued tasks, which cost more than the sum itself); a Jacobian point.
 */
export async function multiScalarMul(c: Curve, bases: Uint8Array, scalars: Uint8Array): Promise<Uint8Array> {
  const n = bases.length / 64
  if (scalars.length !== 32 * n) throw new Error(`multiScalarMul: ${n} bases and ${scalars.length / 32} scalars`)
  const task = [
    { cmd: 'ALLOCSET', var: 0, buff: bases },
    { cmd: 'ALLOCSET', var: 1, buff: scalars },
    { cmd: 'ALLOC', var: 2, len: 96 },
    { cmd: 'CALL', fnName: 'g1m_multiexpAffine', params: [{ var: 0 }, { var: 1 }, { val: 32 }, { val: n }, { var: 2 }] },
    { cmd: 'GET', out: 0, var: 2, len: 96 },
  ]
  return (await (c as unknown as CurveInternals).tm.queueAction(task))[0]!
}

/** e(P0, [1]₂)·e(P1, [x]₂) = 1: the Solidity verifier's final pairing (its precompile's product check). */
export function pairingCheck(c: Curve, p0: Uint8Array, p1: Uint8Array, g2: Uint8Array, tauG2: Uint8Array): Promise<boolean> {
  return c.pairingEq(p0, g2, p1, tauG2)
}

/**
 * Whether a G2 point is in the prime-order subgroup and not the identity: on the twist and r·Q = O.
 * ffjavascript's fromObject checks neither (and reads affine (0, 0) as a point, not the identity).
 */
export function isG2SubgroupPoint(c: Curve, p: G2Point): boolean {
  const G2 = (c as unknown as { G2: G2Internals }).G2
  const q = g2ToCurve(c, p)
  return !G2.isZero(q) && G2.isValid(q) && G2.isZero(G2.timesScalar(q, FR_MODULUS))
}

interface G2Internals {
  isZero(a: Uint8Array): boolean
  isValid(a: Uint8Array): boolean
  timesScalar(a: Uint8Array, s: bigint): Uint8Array
}
