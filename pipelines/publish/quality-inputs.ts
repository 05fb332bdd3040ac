import type { combineBatchStats } from '../../circuits/index.js'
import type { BatchPlan, QualityInput } from '../import/index.js'

/**
 * What the quality score reads of a plan: decoded readings per series, who signed them, and the
 * proven in-range count and largest gap when the proofs' totals are given.
 */
export function qualityInputs(plan: BatchPlan, proven?: ReturnType<typeof combineBatchStats>[]): QualityInput[] {
  return plan.series.map((s, i) => ({
    key: s.seriesId.toString(),
    device: s.device,
    metric: s.metric,
    times: s.times.map(Number),
    values: s.texts.map(Number),
    duplicates: s.duplicates,
    ...(s.validRange !== undefined ? { validRange: s.validRange } : {}),
    deviceSigned: s.signedBy === 'device',
    ...(proven !== undefined ? { proven: { inRange: Number(proven[i]!.inRange), maxGap: Number(proven[i]!.maxGap) } } : {}),
  }))
}
