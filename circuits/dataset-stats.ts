import { LeanIMT, type LeanIMTMerkleProof } from '@zk-kit/lean-imt'
import { AssayError, decodeValue, type MetricEncoding } from '../core/index.js'
import { getPoseidon } from './key-commitment.js'
import type { BatchStats } from './compute-batch-stats.js'

/** One batch's proven outputs with its count and the in-range band [lo, hi] it counted in (public). */
export interface ProvenBatch extends BatchStats {
  count: bigint
  lo: bigint
  hi: bigint
}

/** A series' statistics combined from its batches, still in encoded integers; lo/hi is the band all of them counted in. */
export interface SeriesTotals extends ProvenBatch {
  batches: number
}

/** Where a batch sits: its position in the series, and the series when the caller names it. */
function at(batch: number, series: number | undefined): string {
  return series === undefined ? `batch ${batch}` : `series ${series} batch ${batch}`
}

/** Batches that do not form one series in time order. */
export class BatchOrderError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly batchIndex: number
  readonly series: number | undefined
  constructor(batchIndex: number, message: string, series?: number) {
    super(`${at(batchIndex, series)}: ${message}`)
    this.name = 'BatchOrderError'
    this.batchIndex = batchIndex
    this.series = series
  }
}

/**
 * Batches of one series proven against different in-range bands: their in-range counts do not
 * add up to a share of any one range.
 */
export class BatchRangeMismatchError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly batchIndex: number
  readonly series: number | undefined
  /** The band this batch counted in, and the first batch's (encoded). */
  readonly band: { lo: bigint; hi: bigint }
  readonly firstBand: { lo: bigint; hi: bigint }
  constructor(batchIndex: number, band: { lo: bigint; hi: bigint }, firstBand: { lo: bigint; hi: bigint }, series?: number) {
    super(
      `${at(batchIndex, series)}: proven against the in-range band [${band.lo}, ${band.hi}], batch 0 against [${firstBand.lo}, ${firstBand.hi}] (encoded)`,
    )
    this.name = 'BatchRangeMismatchError'
    this.batchIndex = batchIndex
    this.series = series
    this.band = band
    this.firstBand = firstBand
  }
}

/**
 * Combines the proven outputs of a series' batches (in batch order): sums add, min of mins, max of
 * maxes, and the largest gap includes the gaps between batches, which the public first/last
 * times of neighbouring batches prove. `series` only names the series in errors.
 *
 * @throws {BatchOrderError} when a batch starts before the previous one ended.
 * @throws {BatchRangeMismatchError} when a batch counted in-range readings in another band than batch 0.
 */
export function combineBatchStats(batches: readonly ProvenBatch[], options: { series?: number } = {}): SeriesTotals {
  if (batches.length === 0) throw new BatchOrderError(0, 'a series needs at least one batch', options.series)
  const first = batches[0]!
  const totals: SeriesTotals = { ...pick(first), batches: 1 }
  for (let k = 1; k < batches.length; k++) {
    const b = batches[k]!
    if (b.lo !== first.lo || b.hi !== first.hi) throw new BatchRangeMismatchError(k, b, first, options.series)
    if (b.firstTime <= totals.lastTime)
      throw new BatchOrderError(k, `starts at ${b.firstTime}, not after the previous batch's last time ${totals.lastTime}`, options.series)
    const between = b.firstTime - totals.lastTime
    totals.count += b.count
    totals.sum += b.sum
    totals.sumSq += b.sumSq
    totals.inRange += b.inRange
    if (b.min < totals.min) totals.min = b.min
    if (b.max > totals.max) totals.max = b.max
    if (between > totals.maxGap) totals.maxGap = between
    if (b.maxGap > totals.maxGap) totals.maxGap = b.maxGap
    totals.lastTime = b.lastTime
    totals.batches += 1
  }
  return totals
}

/** Only a ProvenBatch's own fields (callers pass whole public-signal records). */
function pick(b: ProvenBatch): ProvenBatch {
  const { count, lo, hi, sum, sumSq, min, max, inRange, firstTime, lastTime, maxGap } = b
  return { count, lo, hi, sum, sumSq, min, max, inRange, firstTime, lastTime, maxGap }
}

/** Series statistics in the metric's own units. */
export interface DecodedSeriesStats {
  count: number
  mean: number
  /** Population variance. */
  variance: number
  std: number
  min: number
  max: number
  inRangeShare: number
  firstTime: number
  lastTime: number
  maxGap: number
}

/**
 * Decodes combined totals. The mean and variance come from exact integer sums, so they are as
 * precise as the encoding: variance = (n·Σv² − (Σv)²) / n² in encoded units, divided by 10^(2·scale)
 * (the offset does not change a variance).
 */
export function decodeSeriesStats(totals: SeriesTotals, encoding: MetricEncoding): DecodedSeriesStats {
  const n = totals.count
  const unit = 10 ** encoding.scale
  const meanEncoded = Number(totals.sum) / Number(n)
  const varianceNumerator = n * totals.sumSq - totals.sum * totals.sum
  const variance = Number(varianceNumerator) / Number(n * n) / unit ** 2
  return {
    count: Number(n),
    mean: (meanEncoded - encoding.offset) / unit,
    variance,
    std: Math.sqrt(variance),
    min: decodeValue(totals.min, encoding),
    max: decodeValue(totals.max, encoding),
    inRangeShare: Number(totals.inRange) / Number(n),
    firstTime: Number(totals.firstTime),
    lastTime: Number(totals.lastTime),
    maxGap: Number(totals.maxGap),
  }
}

/** Statistics as a manifest states them (per series). */
export type StatedStats = Omit<DecodedSeriesStats, 'std'>

/**
 * The first series whose stated statistics are not what its proofs output (decoded with the
 * series' encoding), or undefined when all agree. Means and variances may differ by float rounding.
 */
export function misstatedSeries(
  stated: readonly StatedStats[],
  encodings: readonly MetricEncoding[],
  proven: readonly SeriesTotals[],
): { series: number; field: string } | undefined {
  if (stated.length !== proven.length) return { series: Math.min(stated.length, proven.length), field: 'series count' }
  const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
  for (const [i, st] of stated.entries()) {
    const d = decodeSeriesStats(proven[i]!, encodings[i]!)
    for (const field of ['count', 'min', 'max', 'firstTime', 'lastTime', 'maxGap'] as const)
      if (d[field] !== st[field]) return { series: i, field }
    for (const field of ['mean', 'variance', 'inRangeShare'] as const) if (!close(d[field], st[field])) return { series: i, field }
  }
  return undefined
}

/**
 * The dataset root: a lean incremental Merkle tree (zk-kit LeanIMT, Poseidon(2) nodes) over the
 * batch commitments in order: every series' batches in batch order, series in manifest order.
 * A single batch is its own root.
 */
export async function computeDatasetRoot(commitments: readonly bigint[]): Promise<bigint> {
  return (await datasetTree(commitments)).root
}

/** A Merkle inclusion proof of one batch commitment, for on-chain `verifyBatch`. */
export async function proveBatchInclusion(commitments: readonly bigint[], index: number): Promise<LeanIMTMerkleProof> {
  return (await datasetTree(commitments)).generateProof(index)
}

async function datasetTree(commitments: readonly bigint[]): Promise<LeanIMT> {
  if (commitments.length === 0) throw new BatchOrderError(0, 'a dataset needs at least one batch')
  const poseidon = await getPoseidon()
  const hash = (a: bigint, b: bigint): bigint => poseidon.F.toObject(poseidon([a, b]))
  return new LeanIMT(hash, [...commitments])
}
