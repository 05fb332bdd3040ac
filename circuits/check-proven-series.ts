import { decodeValue, encodeBound, type Manifest, type MetricEncoding } from '../core/index.js'
import { BatchSequenceError } from './check-batch-sequence.js'
import { combineBatchStats, type SeriesTotals } from './dataset-stats.js'
import { ManifestProofMismatchError } from './manifest-proof-mismatch-error.js'
import type { BatchPublicSignals } from './public-signals.js'
import { seriesIdOf } from './series-id.js'

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
 * Circuit v2 (`version: 2`) proves more, and each of it is checked: the proven series id is the one
 * the manifest's device, metric, unit, scale, offset and nonce give with the proven band (so a
 * relabelled, rescaled or re-banded series fails), and the series' last batch, and only it, carries
 * its device's end marker (so a series cut short fails).
 *
 * Expects batches already in manifest order (checkBatchSequence), batch i of a series at index i.
 *
 * @throws {ManifestProofMismatchError} naming the series, batch and field.
 * @throws {BatchSequenceError} for a missing or misplaced end marker (v2).
 * @throws {BatchRangeMismatchError} @throws {BatchOrderError} from combineBatchStats.
 */
export async function checkProvenSeries(
  manifest: Pick<Manifest, 'series' | 'stats'>,
  batches: readonly FiledBatch[],
  options: { version: 1 | 2 },
): Promise<SeriesTotals[]> {
  const totals: SeriesTotals[] = []
  // A series listed twice would have its batches counted twice: every series id is its own.
  const ids = new Map<string, number>()
  for (const [i, series] of manifest.series.entries()) {
    const first = ids.get(series.seriesId)
    if (first !== undefined)
      throw new ManifestProofMismatchError(
        { series: i, field: 'seriesId', stated: series.seriesId, proven: `series ${first}` },
        `repeats series ${first}'s id ${series.seriesId}: a series is listed once`,
      )
    ids.set(series.seriesId, i)
  }
  for (const [i, series] of manifest.series.entries()) {
    const own = batches.filter((b) => b.series === i).map((b) => b.signals)
    const range = manifest.stats[i]?.range
    // Every batch of a series proves the same series id and device (checked first); its id is
    // recomputed once per proven band, not once per batch.
    const meaningfulBands = new Set<string>()
    for (const [position, s] of own.entries()) {
      const batch = Number(s.batchIndex)
      const at = { series: i, batch }
      if (s.seriesId !== BigInt(series.seriesId))
        throw ManifestProofMismatchError.of({ ...at, field: 'seriesId', stated: series.seriesId, proven: String(s.seriesId) }, 'series id')
      if (s.deviceId !== BigInt(series.deviceId))
        throw ManifestProofMismatchError.of({ ...at, field: 'deviceId', stated: series.deviceId, proven: String(s.deviceId) }, 'device id')
      if (options.version === 2) {
        if (series.nonce === undefined)
          throw new ManifestProofMismatchError(
            { ...at, field: 'nonce', stated: '(none)', proven: String(s.seriesId) },
            'the manifest gives no series nonce, so its metric, unit and encoding cannot be checked against the signed series id',
          )
        const meaning = {
          metric: series.metric,
          unit: series.unit,
          scale: series.scale,
          offset: series.offset,
          nonce: BigInt(series.nonce),
        }
        const band = `${s.lo}:${s.hi}`
        const expected = meaningfulBands.has(band) ? s.seriesId : await seriesIdOf(s.deviceId, meaning, s)
        if (expected !== s.seriesId)
          throw new ManifestProofMismatchError(
            { ...at, field: 'meaning', stated: String(expected), proven: String(s.seriesId) },
            `the device signed series id ${s.seriesId}, but the manifest's metric "${series.metric}", unit "${series.unit}", scale ${series.scale}, offset ${series.offset} and nonce with the proven band give ${expected}: the series is relabelled, rescaled or not the one signed`,
          )
        meaningfulBands.add(band)
        const final = position === own.length - 1
        if (s.last === 1n && !final)
          throw new BatchSequenceError(i, batch, `batch ${batch} is marked last by its device, but batch ${batch + 1} follows it`)
        if (s.last !== 1n && final)
          throw new BatchSequenceError(
            i,
            batch,
            `ends at batch ${batch}, which its device did not mark last: the series' trailing batches are missing`,
          )
      }
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
