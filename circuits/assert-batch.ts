import { BatchInputError } from './batch-input-error.js'
import type { SensorStatsParams } from './sensor-stats-params.js'

/** One batch of one series, encoded (integers, see core's fixed-point codec). */
export interface BatchReadings {
  values: readonly bigint[]
  times: readonly bigint[]
}

/**
 * Checks what the circuit assumes, so a bad batch fails here with a named reason instead of as
 * an opaque witness error: 1..B readings, integer values in [0, 2^valueBits), strictly increasing
 * times with the first below 2^timeBits and every gap in [1, 2^gapBits], bounds in range.
 *
 * @throws {BatchInputError}
 */
export function assertBatch(batch: BatchReadings, params: SensorStatsParams, bounds?: { lo: bigint; hi: bigint }): void {
  const { values, times } = batch
  if (values.length !== times.length) throw new BatchInputError(`${values.length} values but ${times.length} times`)
  if (values.length < 1 || values.length > params.batchSize) {
    throw new BatchInputError(`a batch holds 1..${params.batchSize} readings, got ${values.length}`)
  }
  const valueLimit = 1n << BigInt(params.valueBits)
  values.forEach((v, i) => {
    if (v < 0n || v >= valueLimit) throw new BatchInputError(`value ${v} outside [0, 2^${params.valueBits})`, i)
  })
  if (times[0]! < 0n || times[0]! >= 1n << BigInt(params.timeBits))
    throw new BatchInputError(`time ${times[0]} outside [0, 2^${params.timeBits})`, 0)
  const gapLimit = 1n << BigInt(params.gapBits)
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!
    if (gap < 1n) throw new BatchInputError(`time ${times[i]} is not after ${times[i - 1]} (times must strictly increase)`, i)
    if (gap > gapLimit) throw new BatchInputError(`gap ${gap} exceeds 2^${params.gapBits}; start a new batch after it`, i)
  }
  if (bounds !== undefined) {
    for (const [name, b] of Object.entries(bounds)) {
      if (b < 0n || b >= valueLimit) throw new BatchInputError(`${name} ${b} outside [0, 2^${params.valueBits})`)
    }
  }
}
