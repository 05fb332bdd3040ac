import { assertBatch, type BatchReadings } from './assert-batch.js'
import type { BatchSignature } from './batch-signature.js'
import { computeBatchCommitment, padBatch } from './compute-batch-commitment.js'
import { computeBatchStats, type BatchStats } from './compute-batch-stats.js'
import { deviceIdOf, type DeviceKey } from './device-key.js'
import { packPublicSignals } from './public-signals.js'
import type { SensorStatsParams } from './sensor-stats-params.js'
import { metricHash, seriesIdOf, type SeriesMeaning } from './series-id.js'

/** Everything one batch proof needs: circuit input and the outputs the JS mirror expects. */
export interface PreparedBatch {
  input: Record<string, string | string[]>
  commitment: bigint
  seriesId: bigint
  stats: BatchStats
}

export interface PrepareBatchOptions {
  lo: bigint
  hi: bigint
  /** What the series' readings mean; with the device and band it gives the series id. */
  meaning: SeriesMeaning
  batchIndex: bigint
  last: boolean
  salt: bigint
  device: Pick<DeviceKey, 'Ax' | 'Ay'>
  signature: BatchSignature
}

/** Builds the SensorStatsV2 input for a signed batch. @throws {BatchInputError} */
export async function prepareBatch(batch: BatchReadings, params: SensorStatsParams, options: PrepareBatchOptions): Promise<PreparedBatch> {
  assertBatch(batch, params, { lo: options.lo, hi: options.hi })
  const { values, times } = padBatch(batch, params)
  const commitment = await computeBatchCommitment(batch, options.salt, params)
  const { meaning } = options
  const seriesId = await seriesIdOf(await deviceIdOf(options.device.Ax, options.device.Ay), meaning, options)
  const s = (x: bigint): string => x.toString()
  return {
    commitment,
    seriesId,
    stats: computeBatchStats(batch, options.lo, options.hi),
    input: {
      lo: s(options.lo),
      hi: s(options.hi),
      count: String(batch.values.length),
      Ax: s(options.device.Ax),
      Ay: s(options.device.Ay),
      metricHash: s(await metricHash(meaning.metric, meaning.unit)),
      scale: String(meaning.scale),
      offset: String(meaning.offset),
      nonce: s(meaning.nonce),
      batchIndex: s(options.batchIndex),
      last: options.last ? '1' : '0',
      values: values.map(s),
      times: times.map(s),
      salt: s(options.salt),
      R8x: s(options.signature.R8x),
      R8y: s(options.signature.R8y),
      S: s(options.signature.S),
    },
  }
}

/** Public signals in circuit order (packed, see public-signals.ts) that a proof of this batch carries. */
export async function expectedPublicSignals(prepared: PreparedBatch): Promise<string[]> {
  const { stats, input } = prepared
  const n = (k: string): bigint => BigInt(input[k] as string)
  return packPublicSignals({
    ...stats,
    commitment: prepared.commitment,
    deviceId: await deviceIdOf(n('Ax'), n('Ay')),
    seriesId: prepared.seriesId,
    batchIndex: n('batchIndex'),
    count: n('count'),
    lo: n('lo'),
    hi: n('hi'),
    last: n('last'),
  })
}
