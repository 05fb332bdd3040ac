// Writes a development Groth16 proving key (snarkjs "zkey" format) straight from an r1cs and the
// public development secrets. Why not `powers of tau → newZKey → beacon` as for a ceremony? With a
// ceremony, tau is unknown and every key point must be combined from the ptau's points: minutes of
// multi-exponentiations per circuit, after tens of minutes preparing the ptau. In a development
// setup tau, alpha, beta and delta come from a public seed, so every point of the key is one known
// scalar times a generator: the scalars are field arithmetic over the r1cs, the points one
// fixed-base multiplication each. The result is the key snarkjs's newZKey computes from the same
// tau (tested section by section, tests/scripts/dev-zkey.test.ts) with delta applied as a beacon
// contribution would, without the contribution record.
// NOT FOR PRODUCTION: anyone can forge proofs under a setup whose secrets are public.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as snarkjs from 'snarkjs'
import { openBinFile, readBinSections } from './bin-file.js'
import {
  affineLEM,
  type Bn128,
  DEV_PTAU_SEED,
  devSecret,
  lagrangeAtTau,
  leBytes,
  modPow,
  multiplyGenerator,
  type WasmGroup,
} from './dev-ptau.js'

export interface DevZkeyOptions {
  seed?: string
  /** Test hook: the toxic waste delta. Default: from the seed; 1n gives newZKey's key before any contribution. */
  delta?: bigint
  log?: (msg: string) => void
}

export interface DevZkeyInfo {
  nVars: number
  nPublic: number
  nConstraints: number
  domainSize: number
}

interface R1cs {
  prime: bigint
  nVars: number
  nOutputs: number
  nPubInputs: number
  nConstraints: number
  /** Per constraint: [A, B, C] as (signal, coefficient) lists. */
  constraints: [Term[], Term[], Term[]][]
}
type Term = [signal: number, coefficient: bigint]

/** Reads the header and constraints of a circom r1cs file (sections 1 and 2 of its container). */
export function readR1cs(bytes: Uint8Array): R1cs {
  const sections = readBinSections(bytes, 'r1cs')
  const head = sections.get(1)
  const body = sections.get(2)
  if (head === undefined || body === undefined) throw new Error('r1cs file without header or constraints')
  const n8 = head.readUInt32LE(0)
  const int = (buf: Buffer, from: number): bigint => {
    let v = 0n
    for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[from + i] as number)
    return v
  }
  const prime = int(head, 4)
  const p = 4 + n8
  const nVars = head.readUInt32LE(p)
  const nOutputs = head.readUInt32LE(p + 4)
  const nPubInputs = head.readUInt32LE(p + 8)
  const nConstraints = head.readUInt32LE(p + 24) // after nPrvIn (u32) and nLabels (u64)
  const constraints: R1cs['constraints'] = []
  let at = 0
  const lc = (): Term[] => {
    const n = body.readUInt32LE(at)
    at += 4
    const terms: Term[] = []
    for (let i = 0; i < n; i++) {
      terms.push([body.readUInt32LE(at), int(body, at + 4)])
      at += 4 + n8
    }
    return terms
  }
  for (let c = 0; c < nConstraints; c++) constraints.push([lc(), lc(), lc()])
  return { prime, nVars, nOutputs, nPubInputs, nConstraints, constraints }
}

/** Writes the development zkey for `r1csPath` to `zkeyPath` (the caller renames it into place). */
export async function writeDevZkey(r1csPath: string, zkeyPath: string, options: DevZkeyOptions = {}): Promise<DevZkeyInfo> {
  const curve = (await snarkjs.curves.getCurveFromName('bn128')) as unknown as Bn128
  const seed = options.seed ?? DEV_PTAU_SEED
  const log = options.log ?? ((): void => undefined)
  const r = curve.r
  const started = Date.now()
  const r1cs = readR1cs(readFileSync(r1csPath))
  if (r1cs.prime !== r) throw new Error('r1cs is not over the bn128 scalar field')
  const tau = devSecret(seed, 'tau', r)
  const alpha = devSecret(seed, 'alpha', r)
  const beta = devSecret(seed, 'beta', r)
  const delta = options.delta ?? devSecret(seed, 'delta', r)
  const deltaInv = modPow(delta, r - 2n, r) // Fermat: r is prime

  const nPublic = r1cs.nOutputs + r1cs.nPubInputs
  // As newZKey: the domain holds the constraints plus one per public signal (and the constant one).
  const cirPower = Math.floor(Math.log2(r1cs.nConstraints + nPublic)) + 1
  const domainSize = 2 ** cirPower
  if (cirPower + 1 > 28) throw new Error(`circuit too large for bn128: 2^${cirPower} constraints`)

  // u, v, w: each signal's A, B and C polynomials evaluated at tau, from the Lagrange basis.
  const L = lagrangeAtTau(curve, cirPower, tau)
  const u = new Array<bigint>(r1cs.nVars).fill(0n)
  const v = new Array<bigint>(r1cs.nVars).fill(0n)
  const w = new Array<bigint>(r1cs.nVars).fill(0n)
  const coefs: [matrix: number, constraint: number, signal: number, value: bigint][] = []
  r1cs.constraints.forEach(([a, b, c], i) => {
    const l = L[i] as bigint
    for (const [s, k] of a) {
      u[s] = ((u[s] as bigint) + k * l) % r
      coefs.push([0, i, s, k])
    }
    for (const [s, k] of b) {
      v[s] = ((v[s] as bigint) + k * l) % r
      coefs.push([1, i, s, k])
    }
    for (const [s, k] of c) w[s] = ((w[s] as bigint) + k * l) % r
  })
  // newZKey's extra constraints s·1 = 0 for each public signal keep the inputs independent.
  for (let s = 0; s <= nPublic; s++) {
    u[s] = ((u[s] as bigint) + (L[r1cs.nConstraints + s] as bigint)) % r
    coefs.push([0, r1cs.nConstraints + s, s, 1n])
  }
  const combined = (s: number): bigint => (beta * (u[s] as bigint) + alpha * (v[s] as bigint) + (w[s] as bigint)) % r
  // H: the odd points of the doubled domain's Lagrange basis (where A·B − C need not vanish), over delta.
  const L2 = lagrangeAtTau(curve, cirPower + 1, tau)
  const hScalars = Array.from({ length: domainSize }, (_, i) => ((L2[2 * i + 1] as bigint) * deltaInv) % r)
  const signals = Array.from({ length: r1cs.nVars }, (_, s) => s)
  log(`dev zkey: ${r1cs.nConstraints} constraints, ${r1cs.nVars} signals, scalars in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  const { G1, G2 } = curve
  const ic = await multiplyGenerator(curve, G1, 'g1m', signals.slice(0, nPublic + 1).map(combined))
  const h = await multiplyGenerator(curve, G1, 'g1m', hScalars)
  const cPoints = await multiplyGenerator(
    curve,
    G1,
    'g1m',
    signals.slice(nPublic + 1).map((s) => (combined(s) * deltaInv) % r),
  )
  const aPoints = await multiplyGenerator(curve, G1, 'g1m', u)
  const b1Points = await multiplyGenerator(curve, G1, 'g1m', v)
  const b2Points = await multiplyGenerator(curve, G2, 'g2m', v)
  const times = (G: WasmGroup, k: bigint): Uint8Array => affineLEM(G, G.toAffine(G.timesScalar(G.g, k)))
  const [alpha1, beta1, delta1] = [times(G1, alpha), times(G1, beta), times(G1, delta)]
  const [beta2, gamma2, delta2] = [times(G2, beta), times(G2, 1n), times(G2, delta)]
  log(`dev zkey: points in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  const n8 = 32
  const groth = new Uint8Array(4 + n8 + 4 + n8 + 12)
  const gv = new DataView(groth.buffer)
  gv.setUint32(0, n8, true)
  groth.set(leBytes(curve.q), 4)
  gv.setUint32(4 + n8, n8, true)
  groth.set(leBytes(r), 8 + n8)
  gv.setUint32(8 + 2 * n8, r1cs.nVars, true)
  gv.setUint32(12 + 2 * n8, nPublic, true)
  gv.setUint32(16 + 2 * n8, domainSize, true)

  // Coefficients as newZKey stores them: the value times R² (R = 2^256 mod r), little-endian.
  const R = (1n << 256n) % r
  const R2 = (R * R) % r
  const coefBytes = new Uint8Array(4 + coefs.length * (12 + n8))
  const cv = new DataView(coefBytes.buffer)
  cv.setUint32(0, coefs.length, true)
  coefs.forEach(([m, c, s, k], i) => {
    const at = 4 + i * (12 + n8)
    cv.setUint32(at, m, true)
    cv.setUint32(at + 4, c, true)
    cv.setUint32(at + 8, s, true)
    coefBytes.set(leBytes((k * R2) % r), at + 12)
  })

  const sections: [number, Uint8Array[]][] = [
    [1, [u32(1)]], // protocol: Groth16
    [2, [groth, alpha1, beta1, beta2, gamma2, delta1, delta2]],
    [4, [coefBytes]],
    [3, [ic]],
    [9, [h]],
    [8, [cPoints]],
    [5, [aPoints]],
    [6, [b1Points]],
    [7, [b2Points]],
  ]
  // Section 10 names the circuit by a hash of the key and records no contributions: there were none.
  const csHash = createHash('blake2b512')
  for (const [, parts] of sections) for (const p of parts) csHash.update(p)
  sections.push([10, [csHash.digest(), u32(0)]])

  const file = openBinFile(zkeyPath, 'zkey', sections.length)
  try {
    for (const [id, parts] of sections) file.section(id, parts)
  } finally {
    file.close()
  }
  log(`dev zkey: written in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return { nVars: r1cs.nVars, nPublic, nConstraints: r1cs.nConstraints, domainSize }
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n, true)
  return out
}
