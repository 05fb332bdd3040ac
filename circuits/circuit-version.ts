import { getCircuitManifest } from './artifact-manifest.js'
import { BatchInputError } from './batch-input-error.js'

/**
 * The statement version a SensorStats circuit proves: 1 (retired: no range check on min, series
 * meaning and end not signed) or 2 (SensorStatsV2).
 */
export function circuitVersion(circuitId: string): 1 | 2 {
  const { template } = getCircuitManifest(circuitId)
  if (template === 'SensorStatsV2') return 2
  if (template === 'SensorStats') return 1
  throw new BatchInputError(`${circuitId} is not a SensorStats circuit`)
}
