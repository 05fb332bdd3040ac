// The development CRS the honk tests share: from a cached development powers of tau, or the one the
// build wrote from the development seed (npm run build:honk); a ptau is generated once per machine
// by the circuit build when neither holds enough points, or when a test needs the ptau itself.
import { execFileSync } from 'node:child_process'
import { devBbCrs, CrsError, type BbCrs } from '../../../circuits/node.js'

/** Points for every test circuit (dyadic sizes up to 2^12). */
export const TEST_CRS_POINTS = 4096

/**
 * A CRS of at least `points` (a power of two): a power-N ptau holds 2^(N+1) − 1 G1 points, so N =
 * log2(points). With `ptau`, one written from a ptau file (tests of the conversion read the file).
 */
export function testCrs(points = TEST_CRS_POINTS, options: { ptau?: boolean } = {}): BbCrs & { ptau: string } {
  try {
    const crs = devBbCrs({ points })
    if (options.ptau !== true || crs.ptau !== '') return crs
  } catch (err) {
    if (!(err instanceof CrsError) || !err.message.includes('--ptau')) throw err
  }
  execFileSync('npx', ['tsx', 'scripts/build-circuits.ts', '--ptau', String(Math.log2(points))], { stdio: 'inherit' })
  return devBbCrs({ points })
}
