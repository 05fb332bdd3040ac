import { createHash } from 'node:crypto'
import { curves } from 'snarkjs'
import { devSeedCrsDir } from './dev-bb-crs.js'
import { writeBbCrsFromPoints, type BbCrs } from './write-bb-crs.js'

/**
 * The development seed and the derivation of its tau, as scripts/dev-ptau.ts has them (the Groth16
 * build hashes that script, so it is not changed to import these; a test checks both agree).
 */
export const DEV_SEED = 'assay development powers of tau v1 - NOT FOR PRODUCTION'
const devTau = (r: bigint): bigint => BigInt(`0x${createHash('sha256').update(`${DEV_SEED}/tau`).digest('hex')}`) % r

interface Group {
  g: Uint8Array
  F: { n8: number }
  toRprLEM(buff: Uint8Array, offset: number, p: Uint8Array): void
  batchApplyKey(buff: Uint8Array, first: unknown, inc: unknown): Promise<Uint8Array>
}
interface Bn128 {
  r: bigint
  G1: Group
  G2: Group
  Fr: { e(v: bigint): unknown }
}

/**
 * Writes the development UltraHonk reference string of `points` points from the development seed
 * itself into `<cacheDir>/honk-crs/dev-seed-<points>/` (where devBbCrs finds it): tau^i·G1 for
 * i < points and tau·G2, the same points (and hash) as a CRS written from the development powers of
 * tau, without that file. About 10 s for 2^16 points on two cores; done once per machine, by the
 * build or by the first prover that needs it (e.g. an `assay worker` on a machine of its own).
 * NOT FOR PRODUCTION: the development tau is public.
 */
export async function writeDevSeedCrs(cacheDir: string, points: number): Promise<BbCrs> {
  const curve = (await curves.getCurveFromName('bn128')) as unknown as Bn128
  const tau = devTau(curve.r)
  // tau^0·G … tau^(count−1)·G, affine little-endian Montgomery: what a ptau's tau sections hold.
  const powers = (G: Group, count: number): Promise<Uint8Array> => {
    const unit = new Uint8Array(G.F.n8 * 2)
    G.toRprLEM(unit, 0, G.g)
    const base = new Uint8Array(unit.length * count)
    for (let i = 0; i < count; i++) base.set(unit, i * unit.length)
    return G.batchApplyKey(base, curve.Fr.e(1n), curve.Fr.e(tau))
  }
  const g1 = await powers(curve.G1, points)
  const g2 = await powers(curve.G2, 2)
  return writeBbCrsFromPoints(devSeedCrsDir(cacheDir, points), { points, g1, tauG2: g2.subarray(g2.length / 2) })
}
