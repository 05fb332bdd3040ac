// The development CRS the honk tests share: from the cached development powers of tau, generated
// once per machine by the circuit build when missing (power 12, ~40 s on 2 cores).
import { execFileSync } from 'node:child_process'
import { devBbCrs, CrsError, type BbCrs } from '../../../circuits/node.js'

/** Points for every test circuit (dyadic sizes up to 2^12). */
export const TEST_CRS_POINTS = 4096

export function testCrs(): BbCrs & { ptau: string } {
  try {
    return devBbCrs({ points: TEST_CRS_POINTS })
  } catch (err) {
    if (!(err instanceof CrsError) || !err.message.includes('--ptau')) throw err
    execFileSync('npx', ['tsx', 'scripts/build-circuits.ts', '--ptau', '12'], { stdio: 'inherit' })
    return devBbCrs({ points: TEST_CRS_POINTS })
  }
}
