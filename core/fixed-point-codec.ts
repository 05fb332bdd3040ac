import { AssayError } from './errors.js'

/** Encoded readings are unsigned integers of this many bits (the circuits' VALUE_BITS). */
export const ENCODED_BITS = 32
const LIMIT = 1n << BigInt(ENCODED_BITS)
const MAX_SCALE = 9

/** How one metric maps to integers: `encoded = round(value · 10^scale) + offset` in [0, 2^32). */
export interface MetricEncoding {
  /** Decimal places kept, 0..9. */
  scale: number
  /** Integer shift that makes negative readings non-negative. */
  offset: number
}

/** A reading that cannot be encoded with this metric's encoding; never silently clamped. */
export class ValueOutOfRangeError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly value: string
  constructor(value: string, encoding: MetricEncoding, options?: { cause?: unknown }) {
    super(
      `value ${value} does not fit scale ${encoding.scale} and offset ${encoding.offset}: round(value · 10^${encoding.scale}) + ${encoding.offset} must lie in [0, 2^${ENCODED_BITS})`,
      options,
    )
    this.name = 'ValueOutOfRangeError'
    this.value = value
  }
}

/** Not a decimal number (NaN, Infinity, empty, or text). */
export class InvalidNumberError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly value: string
  constructor(value: string) {
    super(`not a finite decimal number: ${JSON.stringify(value)}`)
    this.name = 'InvalidNumberError'
    this.value = value
  }
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/** Whether a text is a decimal number the codec can encode (what `scaleDecimal` accepts). */
export function isDecimalText(text: string): boolean {
  const m = DECIMAL.exec(text.trim())
  return m !== null && !(m[2] === '' && (m[3] ?? '') === '')
}

/**
 * round(value · 10^scale) as an exact integer, rounding half away from zero, computed from the
 * decimal digits so that e.g. 1.005 at scale 2 is 101 (binary floating point would give 100).
 */
export function scaleDecimal(value: number | string, scale: number): bigint {
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'x') : value.trim()
  if (!isDecimalText(text)) throw new InvalidNumberError(String(value))
  const [, sign, intPart, fracPart = '', exp = '0'] = DECIMAL.exec(text)!
  const digits = `${intPart}${fracPart}`.replace(/^0+(?=\d)/, '') || '0'
  // value = digits · 10^(exp - fracLen); we want value · 10^scale.
  const shift = Number(exp) - fracPart.length + scale
  let result: bigint
  if (shift >= 0) {
    result = BigInt(digits) * 10n ** BigInt(shift)
  } else {
    const divisor = 10n ** BigInt(-shift)
    const n = BigInt(digits)
    result = n / divisor
    if ((n % divisor) * 2n >= divisor) result += 1n
  }
  return sign === '-' ? -result : result
}

function assertEncoding(encoding: MetricEncoding): void {
  if (!Number.isInteger(encoding.scale) || encoding.scale < 0 || encoding.scale > MAX_SCALE) {
    throw new AssayError(`scale must be an integer in 0..${MAX_SCALE}, got ${encoding.scale}`)
  }
  if (!Number.isSafeInteger(encoding.offset) || encoding.offset < 0 || BigInt(encoding.offset) >= LIMIT) {
    throw new AssayError(`offset must be an integer in [0, 2^${ENCODED_BITS}), got ${encoding.offset}`)
  }
}

/**
 * A value in the encoding's integers without a range check: a bound (a valid range's end may lie
 * outside what readings can encode, and is clamped or compared by the caller). @throws {InvalidNumberError}
 */
export function encodeBound(value: number | string, encoding: MetricEncoding): bigint {
  return scaleDecimal(value, encoding.scale) + BigInt(encoding.offset)
}

/** Encodes one reading. @throws {ValueOutOfRangeError} @throws {InvalidNumberError} */
export function encodeValue(value: number | string, encoding: MetricEncoding): bigint {
  assertEncoding(encoding)
  const encoded = encodeBound(value, encoding)
  if (encoded < 0n || encoded >= LIMIT) throw new ValueOutOfRangeError(String(value), encoding)
  return encoded
}

/** Decodes an encoded reading (or a min, max or bound) back to a number. */
export function decodeValue(encoded: bigint, encoding: MetricEncoding): number {
  return Number(encoded - BigInt(encoding.offset)) / 10 ** encoding.scale
}

/** Decimal places written in a decimal string (`"21.50"` → 2, `"1e-3"` → 3). */
function decimalPlaces(text: string): number {
  const m = DECIMAL.exec(text.trim())
  if (m === null) return 0
  return Math.max(0, (m[3] ?? '').length - Number(m[4] ?? '0'))
}

/**
 * Picks an encoding for a metric from its readings: the sensor's resolution, i.e. the fewest
 * decimal places that write at least 90% of the readings exactly (at most 9; a few averaged rows
 * such as `20.8566666666667` do not push a 0.01 °C series to 13 digits; they are rounded), and an
 * offset that makes the lowest reading non-negative with headroom of the observed span below it
 * (so a later version of the dataset with slightly lower readings still fits). Reduces the scale
 * when the range would not fit 32 bits.
 *
 * @throws {ValueOutOfRangeError} when even scale 0 cannot hold the range.
 */
export function inferEncoding(readings: ReadonlyArray<number | string>, options: { scale?: number } = {}): MetricEncoding {
  if (readings.length === 0) return { scale: options.scale ?? 0, offset: 0 }
  const texts = readings.map((r) => (typeof r === 'number' ? String(r) : r.trim()))
  let scale = options.scale ?? resolution(texts)
  for (; scale >= 0; scale--) {
    const scaled = texts.map((t) => scaleDecimal(t, scale))
    const lowest = scaled.reduce((a, b) => (b < a ? b : a))
    const highest = scaled.reduce((a, b) => (b > a ? b : a))
    const span = highest - lowest
    const headroom = lowest < 0n ? span : 0n
    const offset = lowest < 0n ? -lowest + headroom : 0n
    if (highest + offset < LIMIT) return { scale, offset: Number(offset) }
    if (options.scale !== undefined) break
  }
  throw new ValueOutOfRangeError(texts[0]!, { scale: Math.max(0, scale), offset: 0 })
}

/** Fewest decimal places (≤ MAX_SCALE) that write at least 90% of the texts exactly. */
function resolution(texts: readonly string[]): number {
  const counts = new Array<number>(MAX_SCALE + 2).fill(0)
  for (const t of texts) counts[Math.min(decimalPlaces(t), MAX_SCALE + 1)]! += 1
  let covered = 0
  for (let s = 0; s <= MAX_SCALE; s++) {
    covered += counts[s]!
    if (covered >= 0.9 * texts.length) return s
  }
  return MAX_SCALE
}
