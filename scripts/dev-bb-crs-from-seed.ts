// The development UltraHonk reference string computed from the development seed itself: the same
// tau as the development powers of tau (scripts/dev-ptau.ts), so the same points and the same hash
// as a CRS written from that ptau, without the 2^16 ptau (≈ 110 s on 2 cores) — only tau^i·G1 for
// i < points and tau·G2 (≈ 10 s). NOT FOR PRODUCTION: the development tau is public.
import * as snarkjs from 'snarkjs'
import { devSeedCrsDir, writeBbCrsFromPoints, type BbCrs } from '../circuits/node.js'
import { affineLEM, DEV_PTAU_SEED, devSecret, type Bn128 } from './dev-ptau.js'

/** Writes `points` development CRS points into `<cacheDir>/honk-crs/dev-seed-<points>/` (where devBbCrs finds them). */
export async function writeDevBbCrsFromSeed(cacheDir: string, points: number): Promise<BbCrs> {
  const curve = (await snarkjs.curves.getCurveFromName('bn128')) as unknown as Bn128
  const tau = devSecret(DEV_PTAU_SEED, 'tau', curve.r)
  // tau^0·G … tau^(count−1)·G, affine little-endian Montgomery: what a ptau's tau sections hold.
  const powers = (G: Bn128['G1'], count: number): Promise<Uint8Array> => {
    const unit = affineLEM(G, G.g)
    const base = new Uint8Array(unit.length * count)
    for (let i = 0; i < count; i++) base.set(unit, i * unit.length)
    return G.batchApplyKey(base, curve.Fr.e(1n), curve.Fr.e(tau))
  }
  const g1 = await powers(curve.G1, points)
  const g2 = await powers(curve.G2, 2)
  return writeBbCrsFromPoints(devSeedCrsDir(cacheDir, points), { points, g1, tauG2: g2.subarray(g2.length / 2) })
}
