import {
  circuitForSystem,
  computeBatchCommitment,
  cutBatches,
  prepareBatch,
  selectSensorStatsCircuit,
  sensorStatsParams,
  seriesIdOf,
  signBatch,
  SNARK_FIELD,
  validBand,
  type DeviceKey,
  type ProofSystem,
  type SensorStatsParams,
  type SeriesMeaning,
} from '../../circuits/index.js'
import { encodeValue, inferEncoding, type MetricEncoding } from '../../core/index.js'
import type { ImportedSeries } from './import-readings.js'

/** One series ready to prove: encoded readings and what the manifest says about it. */
export interface PlannedSeries {
  /** seriesIdOf(deviceId, meaning with nonce, [lo, hi]): what the device signed with each batch. */
  seriesId: bigint
  /** The series nonce (in the manifest, so verifiers can recompute seriesId). */
  nonce: bigint
  /** The device's name in the file (a device column, a fixed name, or the key file's label). */
  device: string
  deviceId: bigint
  /** Public key of whoever signed this series' batches. */
  deviceKey: { Ax: bigint; Ay: bigint }
  /** `device`: the sensor's own key signed; `gateway`: the owner's gateway key signed for it. */
  signedBy: 'device' | 'gateway'
  metric: string
  unit: string
  encoding: MetricEncoding
  /** The valid range, encoded and clamped to the circuit's width: the band the proofs count in. */
  lo: bigint
  hi: bigint
  validRange?: readonly [number, number]
  times: bigint[]
  values: bigint[]
  /** Decoded values as the file wrote them (for the quality score and the normalised plaintext). */
  texts: string[]
  duplicates: number
}

/** One batch: its place, salt, commitment and the circuit input (with the device's signature). */
export interface PlannedBatch {
  series: number
  index: number
  salt: bigint
  commitment: bigint
  count: number
  input: Record<string, string | string[]>
}

export interface BatchPlan {
  circuitId: string
  params: SensorStatsParams
  series: PlannedSeries[]
  batches: PlannedBatch[]
}

export interface PlanOptions {
  /** Signs every batch: the device's own key, or the owner's gateway key for files without device signatures. */
  signer: DeviceKey
  /** Random field elements (salts, series ids); injectable for deterministic tests. */
  randomField?: () => bigint
  /** Force a circuit instead of the narrowest production one (tests use the small one). */
  circuitId?: string
  /** The proof system of the chosen (or forced) circuit: groth16 (default) or ultrahonk, its Noir port. */
  proofSystem?: ProofSystem
}

/** A uniformly random field element (rejection sampling over 254-bit strings). */
export function randomFieldElement(): bigint {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(32))
    bytes[0] = bytes[0]! & 0x3f
    const v = BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
    if (v < SNARK_FIELD) return v
  }
}

/**
 * Encodes imported series (the mapping's scale, or the sensor's resolution; an offset that makes
 * every value non-negative), picks the narrowest production circuit that holds all of them, and
 * cuts each series into batches of B readings, starting a new batch after a gap the circuit cannot
 * span. Every batch gets a fresh salt, its commitment and the signer's signature.
 */
export async function planBatches(imported: readonly ImportedSeries[], options: PlanOptions): Promise<BatchPlan> {
  const random = options.randomField ?? randomFieldElement
  const { Ax, Ay, deviceId } = options.signer
  const encoded = imported.map((s) => {
    const encoding = inferEncoding(s.values, s.metric.scale !== undefined ? { scale: s.metric.scale } : {})
    if (s.metric.offset !== undefined) encoding.offset = s.metric.offset
    return { s, encoding, values: s.values.map((v) => encodeValue(v, encoding)) }
  })
  const widest = encoded.flatMap((e) => e.values)
  const { proofSystem } = options
  const circuitId =
    options.circuitId === undefined
      ? selectSensorStatsCircuit(widest, [], proofSystem !== undefined ? { proofSystem } : {})
      : proofSystem !== undefined
        ? circuitForSystem(options.circuitId, proofSystem)
        : options.circuitId
  const params = sensorStatsParams(circuitId)

  const series: PlannedSeries[] = []
  for (const { s, encoding, values } of encoded) {
    const range = s.metric.validRange
    const band = validBand(range, encoding, params.valueBits)
    const nonce = random()
    const meaning = { metric: s.metric.name, unit: s.metric.unit, ...encoding, nonce }
    series.push({
      seriesId: await seriesIdOf(deviceId, meaning, band),
      nonce,
      device: s.device,
      deviceId,
      deviceKey: { Ax, Ay },
      signedBy: 'gateway',
      metric: s.metric.name,
      unit: s.metric.unit,
      encoding,
      ...band,
      ...(range !== undefined ? { validRange: range } : {}),
      times: s.times.map(BigInt),
      values,
      texts: s.values,
      duplicates: s.duplicates,
    })
  }

  const batches: PlannedBatch[] = []
  for (const [si, s] of series.entries()) {
    const ranges = cutBatches(s.times, params)
    for (const [index, [from, to]] of ranges.entries()) {
      const batch = { values: s.values.slice(from, to), times: s.times.slice(from, to) }
      const salt = random()
      const last = index === ranges.length - 1
      const commitment = await computeBatchCommitment(batch, salt, params)
      const signature = await signBatch(options.signer, { commitment, seriesId: s.seriesId, batchIndex: BigInt(index), last })
      const prepared = await prepareBatch(batch, params, {
        lo: s.lo,
        hi: s.hi,
        meaning: meaningOf(s),
        batchIndex: BigInt(index),
        last,
        salt,
        device: options.signer,
        signature,
      })
      batches.push({ series: si, index, salt, commitment, count: to - from, input: prepared.input })
    }
  }
  return { circuitId, params, series, batches }
}

/** What a planned series' readings mean, as its device signed it. */
export function meaningOf(s: PlannedSeries): SeriesMeaning {
  return { metric: s.metric, unit: s.unit, scale: s.encoding.scale, offset: s.encoding.offset, nonce: s.nonce }
}
