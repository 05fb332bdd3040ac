import {
  computeBatchCommitment,
  signBatch,
  verifyBatchSignature,
  type BatchReadings,
  type DeviceKey,
  type SensorStatsParams,
} from '../circuits/index.js'
import { SIGNED_BATCH_FORMAT, type SignedBatch } from '../core/index.js'

/** What a series says about its readings in every one of its signed batches. */
export interface SeriesDescription {
  metric: string
  unit: string
  scale: number
  offset: number
  validRange?: [number, number]
}

/**
 * A batch of encoded readings signed as a device signs it: the commitment the circuit computes,
 * signed with the device key together with the series id and batch index.
 */
export async function signBatchRecord(o: {
  circuitId: string
  params: SensorStatsParams
  device: DeviceKey & { label?: string }
  seriesId: bigint
  series: SeriesDescription
  batchIndex: number
  batch: BatchReadings
  salt: bigint
}): Promise<SignedBatch> {
  const commitment = await computeBatchCommitment(o.batch, o.salt, o.params)
  const signature = await signBatch(o.device, commitment, o.seriesId, BigInt(o.batchIndex))
  return {
    format: SIGNED_BATCH_FORMAT,
    circuitId: o.circuitId,
    device: { x: o.device.Ax.toString(), y: o.device.Ay.toString(), ...(o.device.label !== undefined ? { label: o.device.label } : {}) },
    seriesId: o.seriesId.toString(),
    metric: o.series.metric,
    unit: o.series.unit,
    scale: o.series.scale,
    offset: o.series.offset,
    ...(o.series.validRange !== undefined ? { validRange: o.series.validRange } : {}),
    batchIndex: o.batchIndex,
    salt: o.salt.toString(),
    times: o.batch.times.map(Number),
    values: o.batch.values.map(Number),
    signature: { R8x: signature.R8x.toString(), R8y: signature.R8y.toString(), S: signature.S.toString() },
  }
}

/**
 * A signed batch's commitment (as the circuit computes it) and whether its signature is its own
 * device's. Files and live streams check their batches with this.
 *
 * @throws {BatchInputError} when the readings break the circuit's rules (widths, order, count)
 */
export async function verifyBatchRecord(b: SignedBatch, params: SensorStatsParams): Promise<{ commitment: bigint; signed: boolean }> {
  const commitment = await computeBatchCommitment({ values: b.values.map(BigInt), times: b.times.map(BigInt) }, BigInt(b.salt), params)
  const signature = { R8x: BigInt(b.signature.R8x), R8y: BigInt(b.signature.R8y), S: BigInt(b.signature.S) }
  const signed = await verifyBatchSignature(
    { Ax: BigInt(b.device.x), Ay: BigInt(b.device.y) },
    commitment,
    BigInt(b.seriesId),
    BigInt(b.batchIndex),
    signature,
  )
  return { commitment, signed }
}
