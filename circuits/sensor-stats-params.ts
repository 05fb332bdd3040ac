import { getCircuitManifest } from './artifact-manifest.js'
import { BatchInputError } from './batch-input-error.js'
import type { CommitmentScheme } from './commitment-scheme.js'
import { getHonkCircuit, isHonkCircuit, statementOf } from './honk-manifest.js'

/** The statistics circuit's templates: v1 (retired, verify-only) and v2. */
export const SENSOR_STATS_TEMPLATES = ['SensorStats', 'SensorStatsV2']

/** Template parameters of a SensorStats circuit (circuits/src/sensor-stats.circom). */
export interface SensorStatsParams {
  /** Readings per batch (B). */
  batchSize: number
  /** Width of an encoded value: values lie in [0, 2^valueBits). */
  valueBits: number
  /** Width of the first timestamp of a batch. */
  timeBits: number
  /** Gaps between consecutive readings lie in [1, 2^gapBits]. */
  gapBits: number
  /** The batch commitment the circuit proves; absent: `poseidon` (commitment v2). */
  commitment?: CommitmentScheme
}

/**
 * The parameters a built SensorStats circuit was compiled with (from the artifact manifest); an
 * UltraHonk circuit has its own when its entry gives them (with its commitment), else those of the
 * circom statement it ports.
 */
export function sensorStatsParams(circuitId: string): SensorStatsParams {
  const entry = getCircuitManifest(statementOf(circuitId))
  if (!SENSOR_STATS_TEMPLATES.includes(entry.template) || entry.params.length !== 4)
    throw new BatchInputError(`${circuitId} is not a SensorStats circuit`)
  const honk = isHonkCircuit(circuitId) ? getHonkCircuit(circuitId) : undefined
  const params = honk?.params ?? entry.params
  if (params.length !== 4) throw new BatchInputError(`${circuitId} does not have four SensorStats parameters`)
  const [batchSize, valueBits, timeBits, gapBits] = params as [number, number, number, number]
  const commitment = honk?.commitment
  return commitment === undefined ? { batchSize, valueBits, timeBits, gapBits } : { batchSize, valueBits, timeBits, gapBits, commitment }
}
