import { AssayError } from '../core/index.js'

/** One batch proof as the sequence check reads it: the manifest series it is filed under, and the index its proof states. */
export interface SequencedBatch {
  series: number
  batchIndex: bigint
}

/**
 * A bundle's batches are not the manifest's series in order, each with batches 0..n-1 in order:
 * a series without a batch, a batch filed under a series the manifest lacks, a missing, repeated
 * or reordered batch.
 */
export class BatchSequenceError extends AssayError {
  override readonly category = 'tampered' as const
  readonly series: number
  /** The batch index at fault, when one is. */
  readonly batch: number | undefined
  constructor(series: number, batch: number | undefined, message: string) {
    super(`series ${series}: ${message}`)
    this.name = 'BatchSequenceError'
    this.series = series
    this.batch = batch
  }
}

/**
 * Checks that batch proofs list the manifest's series 0..seriesCount−1 in order, each as batches
 * 0..n−1 in order, which is also the order the dataset root is built in. A device signs each batch
 * with its index, so a gap is a batch left out and a repeat is a batch counted twice; only the
 * proofs' own indices are read, never a bundle's labels.
 *
 * @throws {BatchSequenceError} at the first batch out of place.
 */
export function checkBatchSequence(seriesCount: number, batches: readonly SequencedBatch[]): void {
  let current = 0
  let expected = 0n
  for (const [position, b] of batches.entries()) {
    const index = Number(b.batchIndex)
    if (b.series >= seriesCount)
      throw new BatchSequenceError(
        b.series,
        index,
        `batch ${index} is filed under a series the manifest does not have (it has ${seriesCount})`,
      )
    if (b.series < current)
      throw new BatchSequenceError(b.series, index, `batch ${index} comes after series ${current} (series are listed in manifest order)`)
    if (b.series > current) {
      const empty = expected === 0n ? current : current + 1
      if (empty < b.series) throw new BatchSequenceError(empty, undefined, 'no batch proof')
      current = b.series
      expected = 0n
    }
    if (b.batchIndex < expected) throw new BatchSequenceError(current, index, `batch ${index} appears twice`)
    if (b.batchIndex > expected) {
      const later = batches.slice(position + 1).some((o) => o.series === current && o.batchIndex === expected)
      throw new BatchSequenceError(
        current,
        Number(expected),
        later ? `batch ${index} comes before batch ${expected}` : `batch ${expected} is missing`,
      )
    }
    expected += 1n
  }
  const empty = batches.length === 0 ? 0 : current + 1
  if (empty < seriesCount) throw new BatchSequenceError(empty, undefined, 'no batch proof')
}
