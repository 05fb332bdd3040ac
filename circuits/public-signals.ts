import { AssayError } from '../core/index.js'

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
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PublicSignalsError'
  }
}

/** The BN254 scalar field: public signals, commitments and device ids are elements of it. */
export const SNARK_FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

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

/** Names and unpacks the public signals of one SensorStats proof. @throws {PublicSignalsError} */
export function parsePublicSignals(signals: readonly string[]): BatchPublicSignals {
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
