// Writes a development powers-of-tau file (snarkjs "ptau" format, prepared for phase 2) from
// secrets derived from a public seed. Why not `powersoftau new → beacon → prepare phase2`? The
// last step computes the Lagrange sections by FFTs over curve points: ~35 minutes for 2^16 on two
// cores. A public beacon hides nothing either (anyone can recompute tau from it), so knowing tau
// loses no security a development setup had, and with tau known every Lagrange point is one
// fixed-base multiplication of a scalar computed in the field: minutes become about a minute.
// Equivalence with snarkjs's own preparation is tested (tests/scripts/dev-ptau.test.ts).
// NOT FOR PRODUCTION: anyone can forge proofs under a setup whose tau is public.
import { createHash } from 'node:crypto'
import { closeSync, openSync, writeSync } from 'node:fs'
import * as snarkjs from 'snarkjs'

/** The parts of ffjavascript's curve object this file uses. */
interface WasmGroup {
  g: Uint8Array
  F: { n8: number }
  toAffine(p: Uint8Array): Uint8Array
  toRprLEM(buff: Uint8Array, offset: number, p: Uint8Array): void
  timesScalar(p: Uint8Array, s: bigint): Uint8Array
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

const POINTS_PER_TASK = 2048

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
  const secret = (label: string): bigint => {
    const v = BigInt(`0x${createHash('sha256').update(`${seed}/${label}`).digest('hex')}`) % r
    if (v === 0n) throw new Error(`dev ptau seed gives a zero ${label}`)
    return v
  }
  const tau = secret('tau')
  const alpha = secret('alpha')
  const beta = secret('beta')
  const n = 2 ** power
  const { G1, G2 } = curve

  const file = openSync(path, 'w')
  try {
    const write = (bytes: Uint8Array): void => {
      let done = 0
      while (done < bytes.length) done += writeSync(file, bytes, done)
    }
    const section = (id: number, parts: Uint8Array[]): void => {
      const head = new DataView(new ArrayBuffer(12))
      head.setUint32(0, id, true)
      head.setBigUint64(4, BigInt(parts.reduce((s, p) => s + p.length, 0)), true)
      write(new Uint8Array(head.buffer))
      for (const p of parts) write(p)
    }
    // File header: magic, version 1, 11 sections (as snarkjs's preparePhase2 writes them).
    const fileHead = new DataView(new ArrayBuffer(12))
    new Uint8Array(fileHead.buffer).set(new TextEncoder().encode('ptau'))
    fileHead.setUint32(4, 1, true)
    fileHead.setUint32(8, 11, true)
    write(new Uint8Array(fileHead.buffer))

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
    closeSync(file)
  }
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

/** scalars[i]·G for every i, affine LEM, computed in ffjavascript's worker threads. */
async function multiplyGenerator(curve: Bn128, G: WasmGroup, prefix: string, scalars: bigint[]): Promise<Uint8Array> {
  const sAffine = G.F.n8 * 2
  const sJacobian = G.F.n8 * 3
  const base = affineLEM(G, G.g)
  const tasks: Promise<Uint8Array[]>[] = []
  for (let from = 0; from < scalars.length; from += POINTS_PER_TASK) {
    const chunk = scalars.slice(from, from + POINTS_PER_TASK)
    const packed = new Uint8Array(chunk.length * 32)
    chunk.forEach((s, i) => packed.set(leBytes(s), i * 32))
    const task: Task[] = [
      { cmd: 'ALLOCSET', var: 0, buff: base },
      { cmd: 'ALLOCSET', var: 1, buff: packed },
      { cmd: 'ALLOC', var: 2, len: chunk.length * sJacobian },
      { cmd: 'ALLOC', var: 3, len: chunk.length * sAffine },
    ]
    for (let i = 0; i < chunk.length; i++) {
      task.push({
        cmd: 'CALL',
        fnName: `${prefix}_timesScalarAffine`,
        params: [{ var: 0 }, { var: 1, offset: i * 32 }, { val: 32 }, { var: 2, offset: i * sJacobian }],
      })
    }
    task.push({ cmd: 'CALL', fnName: `${prefix}_batchToAffine`, params: [{ var: 2 }, { val: chunk.length }, { var: 3 }] })
    task.push({ cmd: 'GET', out: 0, var: 3, len: chunk.length * sAffine })
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

function affineLEM(G: WasmGroup, p: Uint8Array): Uint8Array {
  const out = new Uint8Array(G.F.n8 * 2)
  G.toRprLEM(out, 0, p)
  return out
}

function repeat(unit: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(unit.length * count)
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length)
  return out
}

function leBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn)
  return out
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
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
