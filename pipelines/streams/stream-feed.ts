import { sensorStatsParams, type DeviceKey } from '../../circuits/index.js'
import { encodeValue, type SignedBatch } from '../../core/index.js'
import { randomFieldElement, dailyCycle, seededRandom, SIMULATED_METRICS, SimulationError } from '../import/index.js'
import { signBatchRecord } from '../signed-batches/index.js'

export interface StreamFeedOptions {
  devices: ReadonlyArray<DeviceKey & { label?: string }>
  metrics: readonly string[]
  /** The circuit the stream takes (its B and widths). */
  circuitId: string
  stream: { start: number; windowLength: number }
  /** Seconds between readings. */
  interval: number
  /** Time of the first reading (default: the stream's start). */
  from?: number
  /** Readings per batch a device sends (default and at most: the circuit's B). */
  batchReadings?: number
  seed?: number
}

interface SeriesFeed {
  device: DeviceKey & { label?: string }
  metric: string
  /** The series nonce of the current window: each window's series is a series of its own. */
  nonce: bigint
  bias: number
  wander: number
  next: number
  window: number
  batchIndex: number
  times: bigint[]
  values: bigint[]
}

/**
 * Simulated devices feeding a stream live: readings every `interval` seconds following each
 * metric's daily cycle with noise and a slow wander, signed by each device in batches that never
 * cross a window (each window's series has its own nonce, and indices restart at 0) and are sent
 * once full or once they hold the window's last reading, marked last. `batchesUntil(t)` gives the batches complete at time t, oldest first.
 */
export function createStreamFeed(o: StreamFeedOptions) {
  if (o.devices.length === 0) throw new SimulationError('at least one device is needed')
  const unknown = o.metrics.filter((m) => SIMULATED_METRICS[m] === undefined)
  if (unknown.length > 0 || o.metrics.length === 0) throw new SimulationError(`unknown metrics: ${unknown.join(', ') || '(none given)'}`)
  const params = sensorStatsParams(o.circuitId)
  const cut = Math.max(1, Math.min(o.batchReadings ?? params.batchSize, params.batchSize))
  const { gauss } = seededRandom(o.seed ?? Date.now())
  const windowOf = (t: number): number => Math.floor((t - o.stream.start) / o.stream.windowLength)
  const first = o.from ?? o.stream.start
  const feeds: SeriesFeed[] = o.devices.flatMap((device) =>
    o.metrics.map((metric) => ({
      device,
      metric,
      nonce: randomFieldElement(),
      bias: gauss() * SIMULATED_METRICS[metric]!.noise,
      wander: 0,
      next: first,
      window: windowOf(first),
      batchIndex: 0,
      times: [],
      values: [],
    })),
  )

  /** Signs the readings held; `last` when they end the window (its final batch, which the device marks). */
  async function flush(f: SeriesFeed, out: SignedBatch[], last: boolean): Promise<void> {
    if (f.times.length === 0) return
    const series = { metric: f.metric, ...SIMULATED_METRICS[f.metric]! }
    const batch = { values: f.values, times: f.times }
    out.push(
      await signBatchRecord({
        circuitId: o.circuitId,
        params,
        device: f.device,
        series,
        nonce: f.nonce,
        batchIndex: f.batchIndex,
        last,
        batch,
        salt: randomFieldElement(),
      }),
    )
    f.batchIndex++
    f.times = []
    f.values = []
  }

  return {
    async batchesUntil(t: number): Promise<SignedBatch[]> {
      const out: SignedBatch[] = []
      for (const f of feeds) {
        const m = SIMULATED_METRICS[f.metric]!
        for (; f.next <= t; f.next += o.interval) {
          const w = windowOf(f.next)
          if (w !== f.window) {
            f.window = w
            f.batchIndex = 0
            f.nonce = randomFieldElement()
          }
          f.wander = 0.98 * f.wander + gauss() * m.wander
          const v = dailyCycle(m, f.next) + f.wander + f.bias + gauss() * m.noise
          const clamped = Math.min(m.validRange[1], Math.max(m.validRange[0], v))
          f.times.push(BigInt(f.next))
          f.values.push(encodeValue(clamped.toFixed(m.scale), { scale: m.scale, offset: m.offset }))
          // Readings come on a schedule, so the device knows when one is its window's last.
          const endsWindow = windowOf(f.next + o.interval) !== f.window
          if (endsWindow || f.times.length === cut) await flush(f, out, endsWindow)
        }
      }
      return out.sort((a, b) => a.times[0]! - b.times[0]!)
    },
  }
}

export type StreamFeed = ReturnType<typeof createStreamFeed>
