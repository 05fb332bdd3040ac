import { AssayError, SNARK_FIELD } from '../core/index.js'

/**
 * The six public signals of SensorStats, in circuit order. Statistics are packed into three words
 * (see circuits/src/sensor-stats.circom) because each public signal costs ~7k gas on-chain.
 */
export const PUBLIC_SIGNAL_NAMES = ['commitment', 'device', 'series', 'batch', 'sums', 'bounds'] as const

/** Bit layout of the packed words: [field, offset, width]. */
export const PACKED_LAYOUT = {
  batch: [
    ['batchIndex', 0, 32],
    ['count', 32, 16],
    ['lo', 48, 32],
    ['hi', 80, 32],
    // v2: 1 on a series' final batch (always 0 in v1 proofs, whose batch word ends at bit 112).
    ['last', 112, 1],
  ],
  sums: [
    ['sum', 0, 64],
    ['sumSq', 64, 96],
    ['inRange', 160, 16],
  ],
  bounds: [
    ['min', 0, 32],
    ['max', 32, 32],
    ['firstTime', 64, 64],
    ['lastTime', 128, 64],
    ['maxGap', 192, 32],
  ],
} as const

type PackedField = (typeof PACKED_LAYOUT)[keyof typeof PACKED_LAYOUT][number][0]

/** What one SensorStats proof states, unpacked. */
export type BatchPublicSignals = { commitment: bigint; deviceId: bigint; seriesId: bigint } & Record<PackedField, bigint>

/** A public-signal list that is not SensorStats' (wrong length, not field elements, bits outside the layout). */
export class PublicSignalsError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PublicSignalsError'
  }
}

/** The BN254 scalar field: public signals, commitments and device ids are elements of it. */
export { SNARK_FIELD }

function toField(name: string, value: string | undefined): bigint {
  if (value === undefined || !/^\d{1,78}$/.test(value))
    throw new PublicSignalsError(`public signal ${name} is not a field element: ${value}`)
  const v = BigInt(value)
  if (v >= SNARK_FIELD) throw new PublicSignalsError(`public signal ${name} is not below the field modulus`)
  return v
}

function unpack(word: keyof typeof PACKED_LAYOUT, value: bigint, out: Record<string, bigint>): void {
  let used = 0
  for (const [field, offset, width] of PACKED_LAYOUT[word]) {
    out[field] = (value >> BigInt(offset)) & ((1n << BigInt(width)) - 1n)
    used = Math.max(used, offset + width)
  }
  if (value >> BigInt(used) !== 0n) throw new PublicSignalsError(`public signal ${word} has bits beyond its layout`)
}

function pack(word: keyof typeof PACKED_LAYOUT, values: Record<string, bigint>): bigint {
  let out = 0n
  for (const [field, offset, width] of PACKED_LAYOUT[word]) {
    const v = values[field]
    if (v === undefined || v < 0n || v >= 1n << BigInt(width))
      throw new PublicSignalsError(`${field} = ${v} does not fit its ${width}-bit slot`)
    out |= v << BigInt(offset)
  }
  return out
}

/**
 * The template parameters that bound SensorStats' outputs: a `SensorStatsParams` from
 * `sensorStatsParams(circuitId)` (restated here: the mirror's files, prepare-batch.ts among them, import this one).
 */
export interface OutputLimits {
  batchSize: number
  valueBits: number
  timeBits: number
  gapBits: number
}

/**
 * Checks what the circuit guarantees of its outputs beyond their slots, so a statement no
 * SensorStats proof can make is refused before anything is combined or trusted: relations between
 * outputs always, widths when the circuit's parameters are known.
 */
function checkOutputs(s: BatchPublicSignals, limits?: OutputLimits): void {
  const fail = (message: string): never => {
    throw new PublicSignalsError(message)
  }
  const n = s.count
  if (limits !== undefined) {
    const B = BigInt(limits.batchSize)
    if (n < 1n || n > B) fail(`count ${n} is outside [1, ${B}]`)
    const valueLimit = 1n << BigInt(limits.valueBits)
    for (const field of ['lo', 'hi', 'max'] as const)
      if (s[field] >= valueLimit) fail(`${field} ${s[field]} is not below 2^${limits.valueBits}`)
    if (s.firstTime >= 1n << BigInt(limits.timeBits)) fail(`firstTime ${s.firstTime} is not below 2^${limits.timeBits}`)
    if (s.maxGap > 1n << BigInt(limits.gapBits)) fail(`maxGap ${s.maxGap} is above 2^${limits.gapBits}`)
  } else if (n < 1n) fail(`count ${n} is below 1`)
  if (n === 1n) {
    if (s.min !== s.max) fail(`min ${s.min} and max ${s.max} differ for a single reading`)
    if (s.firstTime !== s.lastTime) fail(`firstTime ${s.firstTime} and lastTime ${s.lastTime} differ for a single reading`)
  }
  if (s.min > s.max) fail(`min ${s.min} is above max ${s.max}`)
  if (s.inRange > n) fail(`inRange ${s.inRange} is above count ${n}`)
  // Every reading lies in [min, max], so the sums do too. (Whether sum and sumSq fit together is
  // left to the proof: a tampered sum is reported as a proof that does not verify.)
  if (s.sum < n * s.min || s.sum > n * s.max) fail(`sum ${s.sum} is outside [count·min, count·max] = [${n * s.min}, ${n * s.max}]`)
  if (s.sumSq < n * s.min ** 2n || s.sumSq > n * s.max ** 2n)
    fail(`sumSq ${s.sumSq} is outside [count·min², count·max²] = [${n * s.min ** 2n}, ${n * s.max ** 2n}]`)
  // Times strictly increase, and the largest gap is one of the count − 1 gaps that make up the span.
  if (s.firstTime > s.lastTime) fail(`firstTime ${s.firstTime} is after lastTime ${s.lastTime}`)
  const span = s.lastTime - s.firstTime
  if (span < n - 1n) fail(`lastTime − firstTime = ${span} is too short for ${n} strictly increasing times`)
  if (s.maxGap > span) fail(`maxGap ${s.maxGap} is above lastTime − firstTime = ${span}`)
  if ((n - 1n) * s.maxGap < span) fail(`maxGap ${s.maxGap} is below the mean gap of ${n} readings over ${span} s`)
}

/**
 * Names and unpacks the public signals of one SensorStats proof, and checks each output's own
 * bounds: count in [1, B]; lo, hi and min ≤ max below 2^VALUE_BITS; inRange ≤ count; sum and sumSq
 * within what count readings in [min, max] can give; firstTime below 2^TIME_BITS and ≤ lastTime,
 * the span and maxGap (≤ 2^GAP_BITS) consistent with count strictly increasing times. Without
 * `limits` (the circuit's parameters), only the relations between outputs are checked.
 *
 * @throws {PublicSignalsError}
 */
export function parsePublicSignals(signals: readonly string[], limits?: OutputLimits): BatchPublicSignals {
  if (signals.length !== PUBLIC_SIGNAL_NAMES.length)
    throw new PublicSignalsError(`SensorStats has ${PUBLIC_SIGNAL_NAMES.length} public signals, got ${signals.length}`)
  const [commitment, device, series, batch, sums, bounds] = PUBLIC_SIGNAL_NAMES.map((name, i) => toField(name, signals[i])) as [
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
    bigint,
  ]
  const out: Record<string, bigint> = { commitment, deviceId: device, seriesId: series }
  unpack('batch', batch, out)
  unpack('sums', sums, out)
  unpack('bounds', bounds, out)
  checkOutputs(out as BatchPublicSignals, limits)
  return out as BatchPublicSignals
}

/** The public signals, in circuit order, that a proof of these statements carries. @throws {PublicSignalsError} */
export function packPublicSignals(statement: BatchPublicSignals): string[] {
  const fields = statement as unknown as Record<string, bigint>
  return [
    statement.commitment,
    statement.deviceId,
    statement.seriesId,
    pack('batch', fields),
    pack('sums', fields),
    pack('bounds', fields),
  ].map(String)
}
