import {
  BASE8,
  computeBatchCommitment,
  deviceIdOf,
  mulPoint,
  seriesIdOf,
  signBatch,
  validBand,
  verifyBatchSignature,
  type BatchReadings,
  type DeviceKey,
  type SensorStatsParams,
} from '../../circuits/index.js'
import { parseSignedBatch, SIGNED_BATCH_FORMAT, type SignedBatch } from '../../core/index.js'

/** What a series says about its readings in every one of its signed batches. */
export interface SeriesDescription {
  metric: string
  unit: string
  scale: number
  offset: number
  validRange?: [number, number]
}

/** The series id a signed batch's device, metric, unit, encoding, valid range and nonce give (seriesIdOf). */
export async function signedSeriesId(
  device: { Ax: bigint; Ay: bigint },
  series: SeriesDescription,
  nonce: bigint,
  params: SensorStatsParams,
): Promise<bigint> {
  const band = validBand(series.validRange, series, params.valueBits)
  return seriesIdOf(await deviceIdOf(device.Ax, device.Ay), { ...series, nonce }, band)
}

/**
 * A batch of encoded readings signed as a device signs it: the commitment the circuit computes,
 * signed with the device key together with the series id (which binds the series' meaning and
 * nonce), the batch index and whether it is the series' last batch.
 */
export async function signBatchRecord(o: {
  circuitId: string
  params: SensorStatsParams
  device: DeviceKey & { label?: string }
  series: SeriesDescription
  nonce: bigint
  batchIndex: number
  last: boolean
  batch: BatchReadings
  salt: bigint
}): Promise<SignedBatch> {
  const commitment = await computeBatchCommitment(o.batch, o.salt, o.params)
  const seriesId = await signedSeriesId(o.device, o.series, o.nonce, o.params)
  const signature = await signBatch(o.device, { commitment, seriesId, batchIndex: BigInt(o.batchIndex), last: o.last })
  return {
    format: SIGNED_BATCH_FORMAT,
    circuitId: o.circuitId,
    device: { x: o.device.Ax.toString(), y: o.device.Ay.toString(), ...(o.device.label !== undefined ? { label: o.device.label } : {}) },
    seriesId: seriesId.toString(),
    nonce: o.nonce.toString(),
    metric: o.series.metric,
    unit: o.series.unit,
    scale: o.series.scale,
    offset: o.series.offset,
    ...(o.series.validRange !== undefined ? { validRange: o.series.validRange } : {}),
    batchIndex: o.batchIndex,
    last: o.last,
    salt: o.salt.toString(),
    times: o.batch.times.map(Number),
    values: o.batch.values.map(Number),
    signature: { R8x: signature.R8x.toString(), R8y: signature.R8y.toString(), S: signature.S.toString() },
  }
}

const SERIES_ID_MEMO = 4096
const seriesIds = new Map<string, bigint>()

/**
 * A signed batch's commitment (as the circuit computes it) and whether its signature is its own
 * device's signature of the batch as stated: its readings, its series id — which must be the one
 * its device, metric, unit, encoding, valid range and nonce give — its index and last flag.
 * Files and live streams check their batches with this.
 *
 * @throws {BatchInputError} when the readings break the circuit's rules (widths, order, count)
 */
export async function verifyBatchRecord(b: SignedBatch, params: SensorStatsParams): Promise<{ commitment: bigint; signed: boolean }> {
  const commitment = await computeBatchCommitment({ values: b.values.map(BigInt), times: b.times.map(BigInt) }, BigInt(b.salt), params)
  const device = { Ax: BigInt(b.device.x), Ay: BigInt(b.device.y) }
  const series = {
    metric: b.metric,
    unit: b.unit,
    scale: b.scale,
    offset: b.offset,
    ...(b.validRange !== undefined ? { validRange: b.validRange } : {}),
  }
  // A series states the same meaning in every batch: its id is computed once (the key holds every input).
  const memoKey = JSON.stringify([b.device.x, b.device.y, series, b.nonce, params.valueBits])
  let seriesId = seriesIds.get(memoKey)
  if (seriesId === undefined) {
    seriesId = await signedSeriesId(device, series, BigInt(b.nonce), params)
    if (seriesIds.size >= SERIES_ID_MEMO) seriesIds.clear()
    seriesIds.set(memoKey, seriesId)
  }
  if (seriesId !== BigInt(b.seriesId)) return { commitment, signed: false }
  const signature = { R8x: BigInt(b.signature.R8x), R8y: BigInt(b.signature.R8y), S: BigInt(b.signature.S) }
  const statement = { commitment, seriesId, batchIndex: BigInt(b.batchIndex), last: b.last }
  return { commitment, signed: await verifyBatchSignature(device, statement, signature) }
}

let warming: Promise<void> | undefined
/**
 * Builds the hash and curve tables and compiles the parsing and checking code (hundreds of
 * milliseconds, once per process) ahead of the first batch: parses and checks, three times, a
 * batch "signed" by a made-up key (the check fails; it runs every step). Never rejects: it is
 * only a head start.
 */
export function warmBatchChecks(): Promise<void> {
  warming ??= (async () => {
    const params: SensorStatsParams = { batchSize: 16, valueBits: 16, timeBits: 32, gapBits: 8 }
    const [x, y] = mulPoint(BASE8, 12_345n)
    const series = { metric: 'temperature', unit: 'C', scale: 100, offset: 0 }
    const seriesId = await signedSeriesId({ Ax: x, Ay: y }, series, 1n, params)
    for (let i = 0; i < 3; i++) {
      const batch: SignedBatch = {
        format: SIGNED_BATCH_FORMAT,
        circuitId: 'warm-up',
        device: { x: x.toString(), y: y.toString() },
        seriesId: seriesId.toString(),
        nonce: '1',
        ...series,
        batchIndex: i,
        last: false,
        salt: '7',
        times: [1, 2, 3, 4],
        values: [1, 2, 3, 4],
        signature: { R8x: BASE8[0].toString(), R8y: BASE8[1].toString(), S: String(1000 + i) },
      }
      // The schema's parser is compiled at its first use, too.
      await verifyBatchRecord(parseSignedBatch(JSON.parse(JSON.stringify(batch))), params)
    }
  })().catch(() => undefined)
  return warming
}
