// Writes a development powers-of-tau file (snarkjs "ptau" format, prepared for phase 2) from
// secrets derived from a public seed. Why not `powersoftau new → beacon → prepare phase2`? The
// last step computes the Lagrange sections by FFTs over curve points: ~35 minutes for 2^16 on two
// cores. A public beacon hides nothing either (anyone can recompute tau from it), so knowing tau
// loses no security a development setup had, and with tau known every Lagrange point is one
// fixed-base multiplication of a scalar computed in the field: minutes become about a minute.
// Equivalence with snarkjs's own preparation is tested (tests/scripts/dev-ptau.test.ts).
// NOT FOR PRODUCTION: anyone can forge proofs under a setup whose tau is public.
import { createHash } from 'node:crypto'
import * as snarkjs from 'snarkjs'
import { openBinFile } from './bin-file.js'

/** The parts of ffjavascript's curve object this file uses. */
export interface WasmGroup {
  g: Uint8Array
  F: { n8: number }
  toAffine(p: Uint8Array): Uint8Array
  toRprLEM(buff: Uint8Array, offset: number, p: Uint8Array): void
  timesScalar(p: Uint8Array, s: bigint): Uint8Array
  add(a: Uint8Array, b: Uint8Array): Uint8Array
  batchApplyKey(buff: Uint8Array, first: unknown, inc: unknown): Promise<Uint8Array>
}
interface Task {
  cmd: string
  var?: number
  buff?: Uint8Array
  len?: number
  out?: number
  fnName?: string
  params?: ({ var: number; offset?: number } | { val: number })[]
}
export interface Bn128 {
  q: bigint
  r: bigint
  G1: WasmGroup
  G2: WasmGroup
  Fr: { e(v: bigint): unknown; w: unknown[]; toObject(a: unknown): bigint }
  tm: { concurrency: number; queueAction(task: Task[]): Promise<Uint8Array[]> }
}

/** The seed the build uses; changing it changes every development artifact. */
export const DEV_PTAU_SEED = 'assay development powers of tau v1 - NOT FOR PRODUCTION'

const POINTS_PER_TASK = 4096

export interface DevPtauOptions {
  seed?: string
  log?: (msg: string) => void
}

/** Writes a prepared development ptau of 2^power to `path` (the caller renames it into place). */
export async function writeDevPtau(path: string, power: number, options: DevPtauOptions = {}): Promise<void> {
  if (!Number.isInteger(power) || power < 1 || power > 27) throw new RangeError(`ptau power ${power} is outside 1..27`)
  const curve = (await snarkjs.curves.getCurveFromName('bn128')) as unknown as Bn128
  const seed = options.seed ?? DEV_PTAU_SEED
  const log = options.log ?? ((): void => undefined)
  const r = curve.r
  const tau = devSecret(seed, 'tau', r)
  const alpha = devSecret(seed, 'alpha', r)
  const beta = devSecret(seed, 'beta', r)
  const n = 2 ** power
  const { G1, G2 } = curve

  // 11 sections, as snarkjs's preparePhase2 writes them.
  const file = openBinFile(path, 'ptau', 11)
  const section = (id: number, parts: Uint8Array[]): void => file.section(id, parts)
  try {
    const header = new Uint8Array(4 + 32 + 8)
    const hv = new DataView(header.buffer)
    hv.setUint32(0, 32, true)
    header.set(leBytes(curve.q), 4)
    hv.setUint32(36, power, true)
    hv.setUint32(40, power, true)
    section(1, [header])

    const started = Date.now()
    const powers = async (G: WasmGroup, count: number, first: bigint): Promise<Uint8Array> =>
      G.batchApplyKey(repeat(affineLEM(G, G.g), count), curve.Fr.e(first), curve.Fr.e(tau))
    section(2, [await powers(G1, 2 * n - 1, 1n)])
    section(3, [await powers(G2, n, 1n)])
    section(4, [await powers(G1, n, alpha)])
    section(5, [await powers(G1, n, beta)])
    section(6, [affineLEM(G2, G2.toAffine(G2.timesScalar(G2.g, beta)))])
    section(7, [new Uint8Array(4)]) // no recorded contributions: this file comes from a seed, not a ceremony
    log(`dev ptau 2^${power}: powers in ${((Date.now() - started) / 1000).toFixed(1)} s`)

    // Lagrange sections: level k holds L_j(tau)·G for the 2^k-point domain, levels 0..power
    // (and power+1 for tauG1, whose last power is missing and taken as zero, as snarkjs does).
    const levels = (top: number, scale: bigint): bigint[][] =>
      Array.from({ length: top + 1 }, (_, k) => lagrangeAtTau(curve, k, tau, k === power + 1).map((s) => (s * scale) % r))
    const multiplyAll = async (G: WasmGroup, prefix: string, lv: bigint[][]): Promise<Uint8Array[]> => {
      const out: Uint8Array[] = []
      for (const scalars of lv) out.push(await multiplyGenerator(curve, G, prefix, scalars))
      return out
    }
    section(12, await multiplyAll(G1, 'g1m', levels(power + 1, 1n)))
    section(13, await multiplyAll(G2, 'g2m', levels(power, 1n)))
    section(14, await multiplyAll(G1, 'g1m', levels(power, alpha)))
    section(15, await multiplyAll(G1, 'g1m', levels(power, beta)))
    log(`dev ptau 2^${power}: written in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } finally {
    file.close()
  }
}

/** A development secret: sha256 of the seed and its label, reduced into the field. Public by design. */
export function devSecret(seed: string, label: string, r: bigint): bigint {
  const v = BigInt(`0x${createHash('sha256').update(`${seed}/${label}`).digest('hex')}`) % r
  if (v === 0n) throw new Error(`dev seed gives a zero ${label}`)
  return v
}

/**
 * The inverse FFT of (tau^0 … tau^(N−1)) over the 2^k-th roots snarkjs uses, i.e. the Lagrange basis
 * at tau: L_j(tau) = (tau^N − 1)/N · w^j/(tau − w^j). With `lastZero` the highest power counts as
 * zero, which subtracts tau^(N−1)·w^j/N from each.
 */
export function lagrangeAtTau(curve: Bn128, k: number, tau: bigint, lastZero = false): bigint[] {
  const r = curve.r
  const N = 2 ** k
  const w = curve.Fr.toObject(curve.Fr.w[k])
  const nInv = modPow(BigInt(N), r - 2n, r)
  const roots = new Array<bigint>(N)
  roots[0] = 1n
  for (let j = 1; j < N; j++) roots[j] = ((roots[j - 1] as bigint) * w) % r
  const denominators = roots.map((x) => (((tau - x) % r) + r) % r)
  if (denominators.includes(0n)) throw new Error('tau is a root of unity; pick another seed')
  const inverses = batchInverse(denominators, r)
  const factor = (((modPow(tau, BigInt(N), r) - 1n + r) % r) * nInv) % r
  const tail = lastZero ? (modPow(tau, BigInt(N - 1), r) * nInv) % r : 0n
  return roots.map((x, j) => {
    const l = (((factor * x) % r) * (inverses[j] as bigint)) % r
    return (((l - ((tail * x) % r)) % r) + r) % r
  })
}

/** Bits per digit of the fixed-base tables: 32 digits per scalar, 255 points per digit. */
const WINDOW = 8
const DIGITS = 32
const tables = new Map<string, Uint8Array>()

/**
 * (d·2^(8j))·G for every digit position j < 32 and digit d in 1..255, affine LEM: with it, k·G is
 * at most 32 mixed additions (one per nonzero byte of k) instead of ~380 double-and-add steps.
 */
function fixedBaseTable(G: WasmGroup, prefix: string): Uint8Array {
  const cached = tables.get(prefix)
  if (cached !== undefined) return cached
  const sAffine = G.F.n8 * 2
  const perDigit = 2 ** WINDOW - 1
  const table = new Uint8Array(DIGITS * perDigit * sAffine)
  let base = G.g
  for (let j = 0; j < DIGITS; j++) {
    let p = base
    for (let d = 1; d <= perDigit; d++) {
      G.toRprLEM(table, (j * perDigit + d - 1) * sAffine, G.toAffine(p))
      p = G.add(p, base)
    }
    base = p // 256·base: the next digit's unit
  }
  tables.set(prefix, table)
  return table
}

/** scalars[i]·G for every i, affine LEM, computed in ffjavascript's worker threads. */
export async function multiplyGenerator(curve: Bn128, G: WasmGroup, prefix: string, scalars: bigint[]): Promise<Uint8Array> {
  const sAffine = G.F.n8 * 2
  const sJacobian = G.F.n8 * 3
  const perDigit = 2 ** WINDOW - 1
  const table = fixedBaseTable(G, prefix)
  const tasks: Promise<Uint8Array[]>[] = []
  for (let from = 0; from < scalars.length; from += POINTS_PER_TASK) {
    const chunk = scalars.slice(from, from + POINTS_PER_TASK)
    const task: Task[] = [
      { cmd: 'ALLOCSET', var: 0, buff: table },
      { cmd: 'ALLOC', var: 1, len: chunk.length * sJacobian },
      { cmd: 'ALLOC', var: 2, len: chunk.length * sAffine },
    ]
    chunk.forEach((k, i) => {
      const acc = { var: 1, offset: i * sJacobian }
      task.push({ cmd: 'CALL', fnName: `${prefix}_zero`, params: [acc] })
      const digits = leBytes(k)
      for (let j = 0; j < DIGITS; j++) {
        const d = digits[j] as number
        if (d === 0) continue
        task.push({ cmd: 'CALL', fnName: `${prefix}_addMixed`, params: [acc, { var: 0, offset: (j * perDigit + d - 1) * sAffine }, acc] })
      }
    })
    task.push({ cmd: 'CALL', fnName: `${prefix}_batchToAffine`, params: [{ var: 1 }, { val: chunk.length }, { var: 2 }] })
    task.push({ cmd: 'GET', out: 0, var: 2, len: chunk.length * sAffine })
    tasks.push(curve.tm.queueAction(task))
  }
  const results = await Promise.all(tasks)
  const out = new Uint8Array(scalars.length * sAffine)
  let at = 0
  for (const [bytes] of results) {
    out.set(bytes as Uint8Array, at)
    at += (bytes as Uint8Array).length
  }
  return out
}

export function affineLEM(G: WasmGroup, p: Uint8Array): Uint8Array {
  const out = new Uint8Array(G.F.n8 * 2)
  G.toRprLEM(out, 0, p)
  return out
}

function repeat(unit: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(unit.length * count)
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length)
  return out
}

export function leBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn)
  return out
}

export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let result = 1n
  let base = b % m
  for (let x = e; x > 0n; x >>= 1n) {
    if (x & 1n) result = (result * base) % m
    base = (base * base) % m
  }
  return result
}

/** Montgomery's trick: one inversion and 3(n − 1) multiplications for n inverses. */
function batchInverse(values: bigint[], m: bigint): bigint[] {
  const prefix = new Array<bigint>(values.length)
  let acc = 1n
  values.forEach((v, i) => {
    prefix[i] = acc
    acc = (acc * v) % m
  })
  let inv = modPow(acc, m - 2n, m)
  const out = new Array<bigint>(values.length)
  for (let i = values.length - 1; i >= 0; i--) {
    out[i] = (inv * (prefix[i] as bigint)) % m
    inv = (inv * (values[i] as bigint)) % m
  }
  return out
}
