import { listCircuits } from './artifact-manifest.js'
import { BatchInputError } from './batch-input-error.js'
import { circuitForSystem, type ProofSystem } from './honk-manifest.js'
import { SENSOR_STATS_TEMPLATES } from './sensor-stats-params.js'

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
 * With `proofSystem` ultrahonk, that circuit's UltraHonk port (the same statement and parameters).
 *
 * @throws {BatchInputError} when a value needs more than 32 bits.
 */
export function selectSensorStatsCircuit(
  values: readonly bigint[],
  bounds: readonly bigint[] = [],
  options: { proofSystem?: ProofSystem } = {},
): string {
  const width = narrowestValueBits(values, bounds)
  const candidates = listCircuits()
    .filter(([, e]) => e.purpose === 'production' && SENSOR_STATS_TEMPLATES.includes(e.template) && (e.params[1] ?? 0) >= width)
    .sort(([, a], [, b]) => (a.params[1] ?? 0) - (b.params[1] ?? 0))
  const chosen = candidates[0]
  if (chosen === undefined) throw new BatchInputError(`no production SensorStats circuit holds ${width}-bit values`)
  return circuitForSystem(chosen[0], options.proofSystem ?? 'groth16')
}
