import type { SensorStatsParams } from './sensor-stats-params.js'

/**
 * Cuts a series' times into batches as SensorStats accepts them: at most B readings, and a new
 * batch after any gap wider than 2^gapBits. Returns [from, to) index pairs.
 */
export function cutBatches(times: readonly bigint[], params: SensorStatsParams): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  const gapLimit = 1n << BigInt(params.gapBits)
  for (let from = 0; from < times.length;) {
    let to = from + 1
    while (to < times.length && to - from < params.batchSize && times[to]! - times[to - 1]! <= gapLimit) to++
    ranges.push([from, to])
    from = to
  }
  return ranges
}
