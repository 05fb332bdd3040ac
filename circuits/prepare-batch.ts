import { getEddsa, signEddsaPoseidon, verifyEddsaPoseidon } from './babyjub.js'
import { AssayError, type EddsaSignature } from '../core/index.js'
import { getCircuitManifest, listCircuits } from './artifact-manifest.js'
import { getPoseidon } from './key-commitment.js'
import { packPublicSignals, SNARK_FIELD } from './public-signals.js'
import { metricHash, seriesIdOf, type SeriesMeaning } from './series-id.js'

/** The statistics circuit's templates: v1 (retired, verify-only) and v2. */
const SENSOR_STATS_TEMPLATES = ['SensorStats', 'SensorStatsV2']

/** Template parameters of a SensorStats circuit (circuits/src/sensor-stats.circom). */
export interface SensorStatsParams {
  /** Readings per batch (B). */
  batchSize: number
  /** Width of an encoded value: values lie in [0, 2^valueBits). */
  valueBits: number
  /** Width of the first timestamp of a batch. */
  timeBits: number
  /** Gaps between consecutive readings lie in [1, 2^gapBits]. */
  gapBits: number
}

/** The parameters a built SensorStats circuit was compiled with (from the artifact manifest). */
export function sensorStatsParams(circuitId: string): SensorStatsParams {
  const entry = getCircuitManifest(circuitId)
  if (!SENSOR_STATS_TEMPLATES.includes(entry.template) || entry.params.length !== 4)
    throw new BatchInputError(`${circuitId} is not a SensorStats circuit`)
  const [batchSize, valueBits, timeBits, gapBits] = entry.params as [number, number, number, number]
  return { batchSize, valueBits, timeBits, gapBits }
}

/**
 * The statement version a SensorStats circuit proves: 1 (retired: no range check on min, series
 * meaning and end not signed) or 2 (SensorStatsV2).
 */
export function circuitVersion(circuitId: string): 1 | 2 {
  const { template } = getCircuitManifest(circuitId)
  if (template === 'SensorStatsV2') return 2
  if (template === 'SensorStats') return 1
  throw new BatchInputError(`${circuitId} is not a SensorStats circuit`)
}

/** One batch of one series, encoded (integers, see core's fixed-point codec). */
export interface BatchReadings {
  values: readonly bigint[]
  times: readonly bigint[]
}

/** Public outputs of SensorStats, in circuit order after the commitment. */
export interface BatchStats {
  sum: bigint
  sumSq: bigint
  min: bigint
  max: bigint
  inRange: bigint
  firstTime: bigint
  lastTime: bigint
  maxGap: bigint
}

/** A batch breaks a circuit precondition; `slot` names the reading when one is at fault. */
export class BatchInputError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly slot: number | undefined
  constructor(message: string, slot?: number) {
    super(slot === undefined ? message : `reading ${slot}: ${message}`)
    this.name = 'BatchInputError'
    this.slot = slot
  }
}

/**
 * Checks what the circuit assumes, so a bad batch fails here with a named reason instead of as
 * an opaque witness error: 1..B readings, integer values in [0, 2^valueBits), strictly increasing
 * times with the first below 2^timeBits and every gap in [1, 2^gapBits], bounds in range.
 *
 * @throws {BatchInputError}
 */
export function assertBatch(batch: BatchReadings, params: SensorStatsParams, bounds?: { lo: bigint; hi: bigint }): void {
  const { values, times } = batch
  if (values.length !== times.length) throw new BatchInputError(`${values.length} values but ${times.length} times`)
  if (values.length < 1 || values.length > params.batchSize) {
    throw new BatchInputError(`a batch holds 1..${params.batchSize} readings, got ${values.length}`)
  }
  const valueLimit = 1n << BigInt(params.valueBits)
  values.forEach((v, i) => {
    if (v < 0n || v >= valueLimit) throw new BatchInputError(`value ${v} outside [0, 2^${params.valueBits})`, i)
  })
  if (times[0]! < 0n || times[0]! >= 1n << BigInt(params.timeBits))
    throw new BatchInputError(`time ${times[0]} outside [0, 2^${params.timeBits})`, 0)
  const gapLimit = 1n << BigInt(params.gapBits)
  for (let i = 1; i < times.length; i++) {
    const gap = times[i]! - times[i - 1]!
    if (gap < 1n) throw new BatchInputError(`time ${times[i]} is not after ${times[i - 1]} (times must strictly increase)`, i)
    if (gap > gapLimit) throw new BatchInputError(`gap ${gap} exceeds 2^${params.gapBits}; start a new batch after it`, i)
  }
  if (bounds !== undefined) {
    for (const [name, b] of Object.entries(bounds)) {
      if (b < 0n || b >= valueLimit) throw new BatchInputError(`${name} ${b} outside [0, 2^${params.valueBits})`)
    }
  }
}

/** Value widths SensorStats is built at; narrower ones cost fewer constraints per reading. */
export const VALUE_WIDTHS = [16, 24, 32] as const

/**
 * The narrowest value width that holds every encoded reading and both in-range bounds: most sensor
 * metrics fit 16 or 24 bits once encoded, and a narrower circuit proves faster.
 */
export function narrowestValueBits(values: readonly bigint[], bounds: readonly bigint[] = []): (typeof VALUE_WIDTHS)[number] {
  const highest = [...values, ...bounds].reduce((a, b) => (b > a ? b : a), 0n)
  const width = VALUE_WIDTHS.find((w) => highest < 1n << BigInt(w))
  if (width === undefined) throw new BatchInputError(`value ${highest} does not fit ${VALUE_WIDTHS.at(-1)} bits`)
  return width
}

/**
 * The production SensorStats circuit for a series: the narrowest value width that holds every
 * encoded reading and both bounds (each width's B fills the same 2^16 domain, so narrower means
 * more readings per proof at the same proving cost).
 *
 * @throws {BatchInputError} when a value needs more than 32 bits.
 */
export function selectSensorStatsCircuit(values: readonly bigint[], bounds: readonly bigint[] = []): string {
  const width = narrowestValueBits(values, bounds)
  const candidates = listCircuits()
    .filter(([, e]) => e.purpose === 'production' && SENSOR_STATS_TEMPLATES.includes(e.template) && (e.params[1] ?? 0) >= width)
    .sort(([, a], [, b]) => (a.params[1] ?? 0) - (b.params[1] ?? 0))
  const chosen = candidates[0]
  if (chosen === undefined) throw new BatchInputError(`no production SensorStats circuit holds ${width}-bit values`)
  return chosen[0]
}

/** Pads a batch with zero slots up to B (what the circuit commits to). */
function padded(batch: BatchReadings, params: SensorStatsParams): { values: bigint[]; times: bigint[] } {
  const fill = params.batchSize - batch.values.length
  return { values: [...batch.values, ...Array<bigint>(fill).fill(0n)], times: [...batch.times, ...Array<bigint>(fill).fill(0n)] }
}

/**
 * The batch commitment, bit for bit as BatchCommitment computes it: readings packed as
 * time · 2^valueBits + value, three per field element, sixteen elements per Poseidon(16), chained
 * with Poseidon(2) from Poseidon(salt, count).
 */
export async function computeBatchCommitment(batch: BatchReadings, salt: bigint, params: SensorStatsParams): Promise<bigint> {
  assertBatch(batch, params)
  const poseidon = await getPoseidon()
  const { values, times } = padded(batch, params)
  const readingBits = BigInt(params.valueBits + params.timeBits + 1)
  const elements: bigint[] = []
  for (let e = 0; e < Math.ceil(params.batchSize / 3); e++) {
    let element = 0n
    for (let r = 0; r < 3; r++) {
      const i = 3 * e + r
      if (i < params.batchSize) element += ((times[i]! << BigInt(params.valueBits)) + values[i]!) << (BigInt(r) * readingBits)
    }
    elements.push(element)
  }
  let h = poseidon.F.toObject(poseidon([salt, BigInt(batch.values.length)]))
  for (let k = 0; k < Math.ceil(elements.length / 16); k++) {
    const chunk = Array.from({ length: 16 }, (_, j) => elements[16 * k + j] ?? 0n)
    h = poseidon.F.toObject(poseidon([h, poseidon.F.toObject(poseidon(chunk))]))
  }
  return h
}

/** The statistics SensorStats outputs for a batch (before padding; padding changes nothing). */
export function computeBatchStats(batch: BatchReadings, lo: bigint, hi: bigint): BatchStats {
  const { values, times } = batch
  let sum = 0n
  let sumSq = 0n
  let min = values[0]!
  let max = values[0]!
  let inRange = 0n
  let maxGap = 0n
  values.forEach((v, i) => {
    sum += v
    sumSq += v * v
    if (v < min) min = v
    if (v > max) max = v
    if (v >= lo && v <= hi) inRange += 1n
    if (i > 0 && times[i]! - times[i - 1]! > maxGap) maxGap = times[i]! - times[i - 1]!
  })
  return { sum, sumSq, min, max, inRange, firstTime: times[0]!, lastTime: times[times.length - 1]!, maxGap }
}

/** A device's BabyJub key pair and its id, `deviceId = Poseidon(Ax, Ay)`. */
export interface DeviceKey {
  privateKey: Uint8Array
  Ax: bigint
  Ay: bigint
  deviceId: bigint
}

/** A device's id: Poseidon(Ax, Ay), as the circuit states it and DeviceRegistry stores it. */
export async function deviceIdOf(Ax: bigint, Ay: bigint): Promise<bigint> {
  const poseidon = await getPoseidon()
  return poseidon.F.toObject(poseidon([Ax, Ay]))
}

/** Derives the public key and device id of a 32-byte device private key. */
export async function deviceKeyFromPrivate(privateKey: Uint8Array): Promise<DeviceKey> {
  if (privateKey.length !== 32) throw new BatchInputError(`device private key must be 32 bytes, got ${privateKey.length}`)
  const eddsa = await getEddsa()
  const [ax, ay] = eddsa.prv2pub(privateKey)
  const Ax = eddsa.F.toObject(ax)
  const Ay = eddsa.F.toObject(ay)
  return { privateKey, Ax, Ay, deviceId: await deviceIdOf(Ax, Ay) }
}

/** A fresh random device key (for `assay device create` and simulated devices). */
export function createDeviceKey(): Promise<DeviceKey> {
  return deviceKeyFromPrivate(crypto.getRandomValues(new Uint8Array(32)))
}

/** EdDSA-Poseidon signature of a batch statement (see batchMessage). */
export type BatchSignature = EddsaSignature

/** What a device signs for one batch: its commitment, its series, its place and whether the series ends with it. */
export interface BatchStatement {
  commitment: bigint
  /** seriesIdOf(device, meaning, band): binds the readings' metric, unit, encoding and valid band. */
  seriesId: bigint
  batchIndex: bigint
  /** True on the series' final batch: a verifier refuses a series whose last batch is not marked. */
  last: boolean
}

/** "assay.batch.v2" as a big-endian integer, the domain of SensorStatsV2's signed message. */
export const BATCH_DOMAIN = BigInt(
  `0x${Array.from(new TextEncoder().encode('assay.batch.v2'), (b) => b.toString(16).padStart(2, '0')).join('')}`,
)

/** The message a device signs for a batch: Poseidon(DOMAIN, commitment, seriesId, batchIndex + last · 2^32). */
export async function batchMessage(statement: BatchStatement): Promise<bigint> {
  const poseidon = await getPoseidon()
  const position = statement.batchIndex + (statement.last ? 1n << 32n : 0n)
  return poseidon.F.toObject(poseidon([BATCH_DOMAIN, statement.commitment, statement.seriesId, position]))
}

/** Signs a batch statement with the device key. */
export async function signBatch(device: DeviceKey, statement: BatchStatement): Promise<BatchSignature> {
  if (statement.batchIndex < 0n || statement.batchIndex >= 1n << 32n)
    throw new BatchInputError(`batch index ${statement.batchIndex} is not below 2^32`)
  return signEddsaPoseidon(device.privateKey, await batchMessage(statement))
}

/**
 * Whether `signature` is the device's signature of a batch statement (the check SensorStatsV2
 * makes, done before proving so a forged batch is refused with a reason instead of failing in the
 * witness).
 */
export async function verifyBatchSignature(
  device: Pick<DeviceKey, 'Ax' | 'Ay'>,
  statement: BatchStatement,
  signature: BatchSignature,
): Promise<boolean> {
  const inField = (x: bigint): boolean => x >= 0n && x < SNARK_FIELD
  if (![device.Ax, device.Ay, signature.R8x, signature.R8y, signature.S].every(inField)) return false
  if (statement.batchIndex < 0n || statement.batchIndex >= 1n << 32n) return false
  return verifyEddsaPoseidon(await batchMessage(statement), signature, [device.Ax, device.Ay])
}

/**
 * Cuts a series' times into batches as SensorStats accepts them: at most B readings, and a new
 * batch after any gap wider than 2^gapBits. Returns [from, to) index pairs.
 */
export function cutBatches(times: readonly bigint[], params: SensorStatsParams): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  const gapLimit = 1n << BigInt(params.gapBits)
  for (let from = 0; from < times.length;) {
    let to = from + 1
    while (to < times.length && to - from < params.batchSize && times[to]! - times[to - 1]! <= gapLimit) to++
    ranges.push([from, to])
    from = to
  }
  return ranges
}

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
  const { values, times } = padded(batch, params)
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
