import { getCircuitManifest } from './artifact-manifest.js'
import { BatchInputError } from './batch-input-error.js'
import { statementOf } from './honk-manifest.js'

/**
 * The statement version a SensorStats circuit proves: 1 (retired: no range check on min, series
 * meaning and end not signed) or 2 (SensorStatsV2); an UltraHonk circuit's is its statement's.
 */
export function circuitVersion(circuitId: string): 1 | 2 {
  const { template } = getCircuitManifest(statementOf(circuitId))
  if (template === 'SensorStatsV2') return 2
  if (template === 'SensorStats') return 1
  throw new BatchInputError(`${circuitId} is not a SensorStats circuit`)
}
