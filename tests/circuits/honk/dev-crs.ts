// The development CRS the honk tests share: from the cached development powers of tau, generated
// once per machine by the circuit build when missing (power 12, ~40 s on 2 cores).
import { execFileSync } from 'node:child_process'
import { devBbCrs, CrsError, type BbCrs } from '../../../circuits/node.js'

/** Points for every test circuit (dyadic sizes up to 2^12). */
export const TEST_CRS_POINTS = 4096

/** A CRS of `points` (a power of two): a power-N ptau holds 2^(N+1) − 1 G1 points, so N = log2(points). */
export function testCrs(points = TEST_CRS_POINTS): BbCrs & { ptau: string } {
  try {
    return devBbCrs({ points })
  } catch (err) {
    if (!(err instanceof CrsError) || !err.message.includes('--ptau')) throw err
    execFileSync('npx', ['tsx', 'scripts/build-circuits.ts', '--ptau', String(Math.log2(points))], { stdio: 'inherit' })
    return devBbCrs({ points })
  }
}
