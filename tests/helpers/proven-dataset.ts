// Datasets proven batch by batch, as a publisher makes them: for tests of the verifiers.
import {
  combineBatchStats,
  computeBatchCommitment,
  computeDatasetRoot,
  decodeSeriesStats,
  generateProof,
  parsePublicSignals,
  prepareBatch,
  seriesIdOf,
  signBatch,
  type BatchReadings,
  type DeviceKey,
  type Groth16BundleBatch,
  type ProvingArtifacts,
  type SensorStatsParams,
  type SeriesMeaning,
  type ValueBand,
} from '../../circuits/index.js'
import { parseManifest, type Manifest } from '../../core/index.js'
import { sampleManifest } from './manifest.js'

export type Batch = Groth16BundleBatch

/**
 * One series as its device signs it and its manifest states it: the device, what the readings mean
 * (metric, unit, scale, offset, nonce), the band the proofs count in range (its valid range encoded
 * and clamped), the valid range the manifest states, and the series id all of it gives.
 */
export interface SeriesSpec {
  device: DeviceKey
  meaning: SeriesMeaning
  band: ValueBand
  range: { lo: number; hi: number }
  seriesId: bigint
}

export async function seriesSpec(
  device: DeviceKey,
  meaning: SeriesMeaning,
  band: ValueBand,
  range: { lo: number; hi: number },
): Promise<SeriesSpec> {
  return { device, meaning, band, range, seriesId: await seriesIdOf(device.deviceId, meaning, band) }
}

/** The circuit input of one batch signed by `device` (its commitment, series id, index and end marker): what every prover takes. */
export async function signedBatchInput(
  params: SensorStatsParams,
  batch: BatchReadings,
  o: Pick<SeriesSpec, 'device' | 'meaning' | 'band'> & { salt: bigint; batchIndex: bigint; last: boolean },
): Promise<{ commitment: bigint; input: Record<string, string | string[]> }> {
  const { device, meaning, band, salt, batchIndex, last } = o
  const commitment = await computeBatchCommitment(batch, salt, params)
  const seriesId = await seriesIdOf(device.deviceId, meaning, band)
  const signature = await signBatch(device, { commitment, seriesId, batchIndex, last })
  const prepared = await prepareBatch(batch, params, { ...band, meaning, batchIndex, last, salt, device, signature })
  return { commitment, input: prepared.input }
}

/** Signs and proves one batch of a series with `artifacts`; `last` marks the series' final batch. */
export async function proveBatch(
  artifacts: ProvingArtifacts,
  params: SensorStatsParams,
  at: { series: number; index: number; last: boolean },
  batch: BatchReadings,
  signed: Pick<SeriesSpec, 'device' | 'meaning' | 'band'>,
): Promise<Batch> {
  const { series, index, last } = at
  const salt = BigInt(7000 + series * 100 + index) + signed.meaning.nonce
  const { input } = await signedBatchInput(params, batch, { ...signed, salt, batchIndex: BigInt(index), last })
  const { proof, publicSignals } = await generateProof(artifacts, input)
  return { series, index, count: batch.values.length, publicSignals, proof: proof as Batch['proof'] }
}

/**
 * The manifest a publisher would write for these batches, every statement taken from the proofs
 * (series counts, times, statistics, commitments, root) except what each series' spec gives: its
 * id, device, metric, unit, encoding, nonce and valid range.
 */
export async function manifestForBatches(
  batches: readonly Batch[],
  series: readonly SeriesSpec[],
  devices: readonly { key: DeviceKey; label: string }[],
  proofs: { circuitId: string; vkeyHash: string },
): Promise<Manifest> {
  const signals = batches.map((b) => parsePublicSignals(b.publicSignals))
  const totals = series.map((_, i) => combineBatchStats(signals.filter((_, k) => batches[k]!.series === i)))
  return parseManifest(
    sampleManifest({
      devices: devices.map(({ key, label }) => ({
        deviceId: key.deviceId.toString(),
        publicKey: { x: key.Ax.toString(), y: key.Ay.toString() },
        label,
      })),
      series: series.map((s, i) => ({
        seriesId: s.seriesId.toString(),
        nonce: s.meaning.nonce.toString(),
        deviceId: s.device.deviceId.toString(),
        metric: s.meaning.metric,
        unit: s.meaning.unit,
        scale: s.meaning.scale,
        offset: s.meaning.offset,
        count: Number(totals[i]!.count),
        firstTime: Number(totals[i]!.firstTime),
        lastTime: Number(totals[i]!.lastTime),
      })),
      commitments: {
        root: (await computeDatasetRoot(signals.map((s) => s.commitment))).toString(),
        batches: signals.map((s) => s.commitment.toString()),
      },
      proofs: { ...proofs, bundleCid: sampleManifest().proofs.bundleCid },
      stats: series.map((s, i) => {
        const { std: _std, ...d } = decodeSeriesStats(totals[i]!, s.meaning)
        return { seriesId: s.seriesId.toString(), ...d, range: s.range }
      }),
    }),
  )
}
