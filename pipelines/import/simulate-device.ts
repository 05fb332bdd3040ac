import { cutBatches, sensorStatsParams, type DeviceKey } from '../../circuits/index.js'
import { AssayError, encodeValue, type SignedBatch } from '../../core/index.js'
import { randomFieldElement } from './plan-batches.js'
import { signBatchRecord } from '../signed-batches/index.js'

/** How a simulated sensor behaves for one metric. */
export interface SimulatedMetric {
  unit: string
  scale: number
  offset: number
  validRange: [number, number]
  /** Daily mean, swing of the daily cycle (peak mid-afternoon; negative: trough), and noise (σ). */
  mean: number
  dailySwing: number
  noise: number
  /** σ of the slow weather-like wander (a mean-reverting random walk). */
  wander: number
}

/** Metrics `assay simulate` knows, with an indoor/outdoor-like behaviour each. */
export const SIMULATED_METRICS: Record<string, SimulatedMetric> = {
  temperature: { unit: '°C', scale: 2, offset: 5000, validRange: [-50, 60], mean: 21, dailySwing: 3.5, noise: 0.08, wander: 0.05 },
  humidity: { unit: '%', scale: 1, offset: 0, validRange: [0, 100], mean: 48, dailySwing: -9, noise: 0.25, wander: 0.3 },
  co2: { unit: 'ppm', scale: 0, offset: 0, validRange: [250, 10_000], mean: 620, dailySwing: 180, noise: 12, wander: 6 },
  pm25: { unit: 'µg/m³', scale: 1, offset: 0, validRange: [0, 1000], mean: 35, dailySwing: 12, noise: 2.5, wander: 1.5 },
  pressure: { unit: 'hPa', scale: 1, offset: 0, validRange: [870, 1085], mean: 1013, dailySwing: 1.2, noise: 0.1, wander: 0.15 },
}

/** The production circuit simulated devices sign for (every simulated metric fits 16 bits). */
export const SIMULATION_CIRCUIT = 'sensor-stats-16bit-b400-v2'

export interface SimulateOptions {
  /** Devices that measure and sign, each with a label for the dataset. */
  devices: ReadonlyArray<DeviceKey & { label?: string }>
  metrics: readonly string[]
  /** First reading, unix seconds. */
  start: number
  /** Sampling slots per series (outages leave some empty). */
  readings: number
  /** Sampling interval in seconds. */
  interval: number
  /** Seed of the reading values (salts are always fresh randomness). */
  seed?: number
  circuitId?: string
  /** Chance per reading that the device goes offline (for 5–60 intervals); default 0.0005. */
  gapRate?: number
  /** Chance per reading that the sensor sticks on its value (for 2–6 hours, at least 12 readings); default 0.0003. */
  stuckRate?: number
  /** Salts and series ids; injectable for tests. */
  randomField?: () => bigint
}

/** An option `assay simulate` cannot honour (unknown metric, no device, bad count). */
export class SimulationError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string) {
    super(message)
    this.name = 'SimulationError'
  }
}

/** mulberry32: small, seedable, good enough for sensor noise (not for keys or salts). */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Seeded uniform and standard-normal (Box–Muller) draws for simulated sensors. */
export function seededRandom(seed: number): { rand: () => number; gauss: () => number } {
  const rand = prng(seed)
  return { rand, gauss: () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()) }
}

/** A metric's noiseless value at unix time t: its mean plus a daily cycle peaking mid-afternoon. */
export function dailyCycle(m: SimulatedMetric, t: number): number {
  const hour = (((t % 86_400) + 86_400) % 86_400) / 3600
  return m.mean + m.dailySwing * Math.cos((2 * Math.PI * (hour - 15)) / 24)
}

/**
 * Realistic readings from simulated devices, signed per batch by each device's key: a daily cycle
 * with a per-device calibration bias, Gaussian noise, a slow wander, and now and then an outage
 * (a gap) or a sensor stuck on one value. Yields SIGNED_BATCH_FORMAT batches in the order a
 * device would send them (by first time), ready for a signed-batch file or a stream.
 */
export async function* simulateSignedBatches(options: SimulateOptions): AsyncGenerator<SignedBatch> {
  if (options.devices.length === 0) throw new SimulationError('at least one device is needed')
  if (!Number.isInteger(options.readings) || options.readings < 1) throw new SimulationError('readings must be a positive integer')
  if (!Number.isInteger(options.interval) || options.interval < 1)
    throw new SimulationError('interval must be a whole number of seconds ≥ 1')
  const unknown = options.metrics.filter((m) => SIMULATED_METRICS[m] === undefined)
  if (unknown.length > 0 || options.metrics.length === 0)
    throw new SimulationError(
      `metrics must be among ${Object.keys(SIMULATED_METRICS).join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    )
  const circuitId = options.circuitId ?? SIMULATION_CIRCUIT
  const params = sensorStatsParams(circuitId)
  const random = options.randomField ?? randomFieldElement
  const { rand, gauss } = seededRandom(options.seed ?? Date.now())
  const gapRate = options.gapRate ?? 0.0005
  const stuckRate = options.stuckRate ?? 0.0003

  // What every device in the room measures: the daily cycle and a slow wander, one per metric.
  const environment = new Map<string, { times: number[]; truth: number[] }>()
  for (const metric of options.metrics) {
    const m = SIMULATED_METRICS[metric]!
    const times: number[] = []
    const truth: number[] = []
    let wander = 0
    for (let i = 0, t = options.start; i < options.readings; i++, t += options.interval) {
      wander = 0.98 * wander + gauss() * m.wander
      times.push(t)
      truth.push(dailyCycle(m, t) + wander)
    }
    environment.set(metric, { times, truth })
  }

  const pending: SignedBatch[] = []
  for (const device of options.devices) {
    for (const metric of options.metrics) {
      const m = SIMULATED_METRICS[metric]!
      const env = environment.get(metric)!
      const bias = gauss() * m.noise // calibration differs a little between devices
      const encoding = { scale: m.scale, offset: m.offset }
      const times: bigint[] = []
      const values: bigint[] = []
      let stuck = 0
      let stuckValue = 0
      for (let i = 0; i < options.readings; i++) {
        if (rand() < gapRate) i += 5 + Math.floor(rand() * 56) // the device is offline for a while
        if (i >= options.readings) break
        let v = env.truth[i]! + bias + gauss() * m.noise
        if (stuck > 0) {
          v = stuckValue
          stuck--
        } else if (rand() < stuckRate) {
          stuck = Math.max(12, Math.ceil((2 + 4 * rand()) * (3600 / options.interval)))
          stuckValue = v
        }
        v = Math.min(m.validRange[1], Math.max(m.validRange[0], v))
        times.push(BigInt(env.times[i]!))
        values.push(encodeValue(v.toFixed(m.scale), encoding))
      }
      const nonce = random()
      const ranges = cutBatches(times, params)
      for (const [batchIndex, [from, to]] of ranges.entries()) {
        const batch = { values: values.slice(from, to), times: times.slice(from, to) }
        const last = batchIndex === ranges.length - 1
        pending.push(
          await signBatchRecord({ circuitId, params, device, series: { metric, ...m }, nonce, batchIndex, last, batch, salt: random() }),
        )
      }
    }
  }
  pending.sort((a, b) => a.times[0]! - b.times[0]!)
  yield* pending
}
