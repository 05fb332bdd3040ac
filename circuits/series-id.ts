import { encodeBound, type MetricEncoding } from '../core/index.js'
import { sha256Hex } from './artifact-manifest.js'
import { getPoseidon } from './key-commitment.js'

/**
 * What a series' readings mean, as its device signs it (circuit v2): the metric and unit, how a
 * reading is encoded (value = (encoded − offset) / 10^scale) and the series nonce, fresh random per
 * series so that two series of one device with the same metric never share an id.
 */
export interface SeriesMeaning {
  metric: string
  unit: string
  scale: number
  offset: number
  nonce: bigint
}

/** The in-range band a series is proven against: its valid range, encoded. */
export interface ValueBand {
  lo: bigint
  hi: bigint
}

/**
 * H(metric, unit): the sha256 of the JSON array [metric, unit], read as a big-endian integer and
 * shifted right by 3 bits so it is a field element (253 bits < the BN254 scalar field).
 */
export async function metricHash(metric: string, unit: string): Promise<bigint> {
  const key = JSON.stringify([metric, unit])
  let h = metricHashes.get(key)
  if (h === undefined) {
    h = BigInt(`0x${await sha256Hex(new TextEncoder().encode(key))}`) >> 3n
    if (metricHashes.size >= METRIC_HASHES) metricHashes.clear()
    metricHashes.set(key, h)
  }
  return h
}

// Devices share a handful of metrics: each pair is hashed once (an asynchronous digest), not once per new series.
const METRIC_HASHES = 1024
const metricHashes = new Map<string, bigint>()

/**
 * A series id as SensorStatsV2 computes it from what it proves:
 * Poseidon(deviceId, H(metric, unit), scale, offset, lo, hi, nonce). The device signs it with each
 * batch, so a verifier that recomputes it from the manifest (and the proven lo/hi) knows the
 * device vouched for exactly that metric, unit, encoding and valid band.
 */
export async function seriesIdOf(deviceId: bigint, meaning: SeriesMeaning, band: ValueBand): Promise<bigint> {
  const poseidon = await getPoseidon()
  const h = await metricHash(meaning.metric, meaning.unit)
  const inputs = [deviceId, h, BigInt(meaning.scale), BigInt(meaning.offset), band.lo, band.hi, meaning.nonce]
  return poseidon.F.toObject(poseidon(inputs))
}

/**
 * The band the proofs count "in range" in: a valid range encoded and clamped to the circuit's value
 * width, or the whole width when the series has none. Signers and verifiers both derive it here.
 */
export function validBand(range: readonly [number, number] | undefined, encoding: MetricEncoding, valueBits: number): ValueBand {
  const max = (1n << BigInt(valueBits)) - 1n
  if (range === undefined) return { lo: 0n, hi: max }
  const clamp = (v: bigint): bigint => (v < 0n ? 0n : v > max ? max : v)
  return { lo: clamp(encodeBound(range[0], encoding)), hi: clamp(encodeBound(range[1], encoding)) }
}
