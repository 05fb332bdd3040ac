import { decodeValue, type Manifest } from '../core/index.js'
import type { ProofBundle } from './proof-bundle.js'
import { parsePublicSignals } from './public-signals.js'

/** What one batch proof states of its readings, in the metric's own units: no reading itself. */
export interface ProvenBatchSummary {
  /** The batch's index in its series. */
  batch: number
  count: number
  /** Unix seconds of the batch's first and last reading. */
  firstTime: number
  lastTime: number
  min: number
  max: number
  /** sum ÷ count, decoded (exact integer sum, so as precise as the encoding). */
  mean: number
}

/**
 * Per series of the manifest (in its order), each batch's proven count, time span, min, max and
 * mean, read from the bundle's public signals and decoded with the series' encoding. Only what the
 * proofs output: call it on a bundle `verifyDatasetProofs` accepted for this manifest (which also
 * checked that the batches are the manifest's series in order). @throws {PublicSignalsError}
 */
export function provenBatchSummaries(manifest: Manifest, bundle: ProofBundle): ProvenBatchSummary[][] {
  const out = manifest.series.map((): ProvenBatchSummary[] => [])
  for (const b of bundle.batches) {
    const encoding = manifest.series[b.series]
    if (encoding === undefined) continue
    const s = parsePublicSignals(b.publicSignals)
    out[b.series]!.push({
      batch: Number(s.batchIndex),
      count: Number(s.count),
      firstTime: Number(s.firstTime),
      lastTime: Number(s.lastTime),
      min: decodeValue(s.min, encoding),
      max: decodeValue(s.max, encoding),
      mean: (Number(s.sum) / Number(s.count) - encoding.offset) / 10 ** encoding.scale,
    })
  }
  for (const series of out) series.sort((a, b) => a.batch - b.batch)
  return out
}
