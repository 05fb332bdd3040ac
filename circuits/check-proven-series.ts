import { decodeValue, encodeBound, type Manifest, type MetricEncoding } from '../core/index.js'
import { combineBatchStats, type SeriesTotals } from './dataset-stats.js'
import { ManifestProofMismatchError } from './manifest-proof-mismatch-error.js'
import type { BatchPublicSignals } from './public-signals.js'

/** A batch proof's unpacked public signals and the manifest series it is filed under. */
export interface FiledBatch {
  series: number
  signals: BatchPublicSignals
}

/**
 * Checks every batch proof against the manifest series it is filed under, then each series' batches
 * together, and returns each series' proven totals. Per batch: the proven series id is the series'
 * id, the proven device is the series' device, and the proven in-range band counts exactly the
 * readings the series' stated valid range holds. Per series: one band for all batches, batches in
 * time order (combineBatchStats), the batch counts add up to the series' count, the first and last
 * times are the series', and its statistics are stated for its series id.
 *
 * Expects batches already in manifest order (checkBatchSequence), batch i of a series at index i.
 *
 * @throws {ManifestProofMismatchError} naming the series, batch and field.
 * @throws {BatchRangeMismatchError} @throws {BatchOrderError} from combineBatchStats.
 */
export function checkProvenSeries(manifest: Pick<Manifest, 'series' | 'stats'>, batches: readonly FiledBatch[]): SeriesTotals[] {
  const totals: SeriesTotals[] = []
  for (const [i, series] of manifest.series.entries()) {
    const own = batches.filter((b) => b.series === i).map((b) => b.signals)
    const range = manifest.stats[i]?.range
    for (const s of own) {
      const batch = Number(s.batchIndex)
      const at = { series: i, batch }
      if (s.seriesId !== BigInt(series.seriesId))
        throw ManifestProofMismatchError.of({ ...at, field: 'seriesId', stated: series.seriesId, proven: String(s.seriesId) }, 'series id')
      if (s.deviceId !== BigInt(series.deviceId))
        throw ManifestProofMismatchError.of({ ...at, field: 'deviceId', stated: series.deviceId, proven: String(s.deviceId) }, 'device id')
      if (range !== undefined && !sameReadingsInBand(s, encodeRange(range, series), s)) {
        const proven = `[${decodeValue(s.lo, series)}, ${decodeValue(s.hi, series)}]`
        throw ManifestProofMismatchError.of({ ...at, field: 'range', stated: `[${range.lo}, ${range.hi}]`, proven }, 'valid range')
      }
    }
    const t = combineBatchStats(own, { series: i })
    const whole = (field: string, what: string, stated: number | string, proven: bigint): void => {
      if (String(stated) !== String(proven))
        throw ManifestProofMismatchError.of({ series: i, field, stated: String(stated), proven: String(proven) }, what)
    }
    whole('count', 'count', series.count, t.count)
    whole('firstTime', 'first time', series.firstTime, t.firstTime)
    whole('lastTime', 'last time', series.lastTime, t.lastTime)
    const stats = manifest.stats[i]
    if (stats !== undefined && BigInt(stats.seriesId) !== own[0]!.seriesId)
      throw new ManifestProofMismatchError(
        { series: i, field: 'stats.seriesId', stated: stats.seriesId, proven: String(own[0]!.seriesId) },
        `proven series id ${own[0]!.seriesId} is not its statistics' ${stats.seriesId}`,
      )
    totals.push(t)
  }
  return totals
}

/** A stated valid range encoded as the publisher encodes its bounds (encodeBound, as validBand does). */
function encodeRange(range: { lo: number; hi: number }, encoding: MetricEncoding): { lo: bigint; hi: bigint } {
  return { lo: encodeBound(range.lo, encoding), hi: encodeBound(range.hi, encoding) }
}

/**
 * Whether two bands hold the same integers within a batch's proven [min, max], where all its
 * readings lie: then the proven in-range count is exactly the count in the stated range. Equal
 * bands always do; bands may differ beyond the readings, as when a range wider than the circuit's
 * values was clamped to them, or a series without a valid range was proven over the whole width
 * and states its own [min, max].
 */
function sameReadingsInBand(
  proven: { lo: bigint; hi: bigint },
  stated: { lo: bigint; hi: bigint },
  span: { min: bigint; max: bigint },
): boolean {
  const clip = (b: { lo: bigint; hi: bigint }): { lo: bigint; hi: bigint } => ({
    lo: b.lo > span.min ? b.lo : span.min,
    hi: b.hi < span.max ? b.hi : span.max,
  })
  const a = clip(proven)
  const b = clip(stated)
  const emptyA = a.lo > a.hi
  const emptyB = b.lo > b.hi
  return emptyA || emptyB ? emptyA && emptyB : a.lo === b.lo && a.hi === b.hi
}
