// The clients of bench:abuse, in their own process as devices and strangers are on their own
// machines: their signing and HTTP work does not run on the node's event loop. The parent sends the
// stream and the device keys; this process answers with what the clients saw.
import '../core/polyfill.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { createDeviceKey, type DeviceKey } from '../circuits/index.js'
import type { SignedBatch } from '../core/index.js'
import { createStreamFeed, type IngestResult } from '../pipelines/index.js'

/** What the parent sends. */
export interface ClientsTask {
  url: string
  streamId: string
  devices: DeviceKey[]
  circuitId: string
  start: number
  window: number
  seconds: number
  floodFactor: number
  /** All devices send in the same millisecond instead of spread over each second. */
  synchronized: boolean
}

/** What this process answers. */
export interface ClientsReport {
  latency: number[]
  /** The same, without each device's first request (new devices and series: their keys' tables are built then). */
  latencyWarm: number[]
  /** When each valid request was sent, seconds from the start, with its latency (ms). */
  timeline: Array<[number, number]>
  acked: number
  refusedValid: string[]
  refusals: Record<string, number>
  floodSent: number
}

const log = (msg: string): void => console.error(`[bench] ${msg}`)
const now = (): number => Math.floor(Date.now() / 1000)

async function run(task: ClientsTask): Promise<ClientsReport> {
  const post = async (body: string): Promise<{ status: number; results: IngestResult[] }> => {
    const r = await fetch(new URL(`/streams/${task.streamId}/readings`, task.url), { method: 'POST', body })
    const text = await r.text()
    try {
      return { status: r.status, results: (JSON.parse(text) as { results?: IngestResult[] }).results ?? [] }
    } catch {
      return { status: r.status, results: [] }
    }
  }
  const { devices, circuitId, start, window, seconds } = task
  // Devices sign as readings come in; here the batches are signed before the clock starts (about
  // 25 ms each), then sent as each completes: the run measures the node, not this process signing.
  const from = now() + 20
  const feed = createStreamFeed({
    devices,
    metrics: ['temperature', 'humidity', 'co2', 'pm25', 'pressure'],
    circuitId,
    stream: { start, windowLength: window },
    interval: 1,
    from,
    batchReadings: 4,
  })
  // In the order they complete (the feed lists them series by series).
  const signed = (await feed.batchesUntil(from + seconds)).sort((a, b) => a.times.at(-1)! - b.times.at(-1)!)
  log(`${signed.length} valid batches signed; streaming from ${new Date(from * 1000).toISOString()}`)

  // Strangers: the same kind of batches, signed by keys that are not the stream's (one claiming a
  // stream device's public key, so the node must compute the commitment and check the signature).
  const impostor = await createDeviceKey()
  const strangerFeed = createStreamFeed({
    devices: [impostor],
    metrics: ['temperature'],
    circuitId,
    stream: { start, windowLength: window },
    interval: 1,
    from: start + 10,
    batchReadings: 16,
  })
  const [first] = await strangerFeed.batchesUntil(start + 30)
  // A first batch of a new series each time (another salt): it passes every cheap check and costs
  // a commitment; half claim a stream device's key, half are the stranger's own.
  const forged = (i: number): string => {
    const claimed = devices[i % devices.length]!
    const b = { ...first!, salt: String(1_000_000 + i) }
    return JSON.stringify(i % 2 === 0 ? { ...b, device: { x: claimed.Ax.toString(), y: claimed.Ay.toString() } } : b)
  }
  const junk = (i: number): string =>
    i % 3 === 0 ? '{"format":"assay.signed-batch/v2"' : i % 3 === 1 ? 'null' : JSON.stringify({ signature: 1 })
  while (now() < from) await sleep(100)
  process.send!('streaming')

  const report: ClientsReport = { latency: [], latencyWarm: [], timeline: [], acked: 0, refusedValid: [], refusals: {}, floodSent: 0 }
  let stop = false
  const t0 = Date.now()
  const started = new Set<string>()
  const valid = (async () => {
    let next = 0
    while (!stop) {
      const before = performance.now()
      const ready: SignedBatch[] = []
      while (next < signed.length && signed[next]!.times.at(-1)! <= now() - 1) ready.push(signed[next++]!)
      // Each device sends the batches it completed together, one request (as `assay simulate` does).
      const byDevice = new Map<string, SignedBatch[]>()
      for (const b of ready) byDevice.set(b.device.x, [...(byDevice.get(b.device.x) ?? []), b])
      await Promise.all(
        [...byDevice.values()].map(async (batches) => {
          // Devices keep their own clocks: each sends a quarter of a second after the one before
          // (BENCH_SYNCHRONIZED=1: all in the same millisecond, the worst case).
          if (!task.synchronized) await sleep((devices.findIndex((d) => d.Ax.toString() === batches[0]!.device.x) * 1000) / devices.length)
          const sent = performance.now()
          const r = await post(batches.map((b) => JSON.stringify(b)).join('\n'))
          const ms = performance.now() - sent
          const device = batches[0]!.device.x
          const warm = started.has(device)
          report.timeline.push([Math.round((Date.now() - t0) / 100) / 10, Math.round(ms)])
          started.add(device)
          batches.forEach((b, i) => {
            report.latency.push(ms)
            if (warm) report.latencyWarm.push(ms)
            if (r.results[i]?.ok === true) report.acked += b.times.length
            else report.refusedValid.push(JSON.stringify(r.results[i] ?? r.status))
          })
        }),
      )
      await sleep(Math.max(0, 1000 - (performance.now() - before)))
      if (Date.now() - t0 > seconds * 1000 || next === signed.length) stop = true
    }
  })()
  const pending = new Set<Promise<void>>()
  const flood = (async () => {
    const perSecond = ((devices.length * 5) / 4) * task.floodFactor
    for (let i = 0; !stop; i++) {
      const kind = i % 4
      const body = kind === 0 || kind === 1 ? forged(i) : kind === 2 ? junk(i) : '{}\n'.repeat(300)
      const p = post(body).then((r) => {
        const reason = r.results[0] === undefined ? `http ${r.status}` : r.results[0].ok ? 'ok' : r.results[0].reason
        report.refusals[reason] = (report.refusals[reason] ?? 0) + 1
        pending.delete(p)
      })
      pending.add(p)
      report.floodSent++
      await sleep(1000 / perSecond)
    }
  })()
  await Promise.all([valid, flood])
  await Promise.all(pending)
  return report
}

process.once('message', (task: ClientsTask) => {
  run(task).then(
    (report) => process.send!(report, () => process.exit(0)),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
})
