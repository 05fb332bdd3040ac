import type { BatchReadings } from './assert-batch.js'

/** Public outputs of SensorStats, in circuit order after the commitment. */
export interface BatchStats {
  sum: bigint
  sumSq: bigint
  min: bigint
  max: bigint
  inRange: bigint
  firstTime: bigint
  lastTime: bigint
  maxGap: bigint
}

/** The statistics SensorStats outputs for a batch (before padding; padding changes nothing). */
export function computeBatchStats(batch: BatchReadings, lo: bigint, hi: bigint): BatchStats {
  const { values, times } = batch
  let sum = 0n
  let sumSq = 0n
  let min = values[0]!
  let max = values[0]!
  let inRange = 0n
  let maxGap = 0n
  values.forEach((v, i) => {
    sum += v
    sumSq += v * v
    if (v < min) min = v
    if (v > max) max = v
    if (v >= lo && v <= hi) inRange += 1n
    if (i > 0 && times[i]! - times[i - 1]! > maxGap) maxGap = times[i]! - times[i - 1]!
  })
  return { sum, sumSq, min, max, inRange, firstTime: times[0]!, lastTime: times[times.length - 1]!, maxGap }
}
