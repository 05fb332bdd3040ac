import { combineBatchStats, parsePublicSignals } from '../../circuits/index.js'
import type { BatchPlan } from '../import/index.js'
import type { ProvenBatchFile } from './proven-batch-file.js'

/** Each series' totals as its batches' proofs state them, in batch order. */
export function provenTotals(plan: BatchPlan, proofs: ProvenBatchFile[]): ReturnType<typeof combineBatchStats>[] {
  return plan.series.map((_, i) =>
    combineBatchStats(
      proofs
        .filter((p) => p.series === i)
        .sort((a, b) => a.index - b.index)
        .map((p) => parsePublicSignals(p.publicSignals)),
    ),
  )
}
