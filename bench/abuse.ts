// bench:abuse — a node under a flood of invalid stream batches while real devices stream.
// 4 devices, 5 metrics each, one reading a second per series, sent as 4-reading batches over HTTP
// as they complete (5 batches/s in all) for BENCH_SECONDS (default 60); meanwhile flooders send 10×
// as many invalid requests: batches claiming a stream device's key but signed by another (each
// costs the node a batch commitment before it is refused), batches of a device the stream does
// not know, malformed lines, and requests of 300 batches (over the cap). Reports the
// valid batches' p99 acknowledgement latency, valid readings lost (acknowledged but not stored, or
// refused), the refusals by reason and the node's peak RSS. Loopback clients are not rate-limited:
// this is the node's raw capacity, the worst case. Last line: JSON.
import '../core/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startNode } from '../cli/index.js'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../circuits/index.js'
import { loadConfig, type SignedBatch } from '../core/index.js'
import { createStreamFeed, type IngestResult, type WindowRecord } from '../pipelines/index.js'

const log = (msg: string): void => console.error(`[bench] ${msg}`)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const DEVICES = 4
const FLOOD_FACTOR = 10
const CIRCUIT = 'sensor-stats-b16-v2'
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))] ?? 0

const dir = await mkdtemp(join(tmpdir(), 'assay-bench-abuse-'))
const node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
let peakRss = process.memoryUsage().rss
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200)
try {
  const devices: DeviceKey[] = []
  for (let i = 0; i < DEVICES; i++) {
    const key = await createDeviceKey()
    await node.chain.registerDevice(key.Ax, key.Ay, `abuse-device-${i}`, (m) => signEddsaPoseidon(key.privateKey, m))
    devices.push(key)
  }
  // The window began a while ago, so forged batches can carry past times the node must check.
  const now = (): number => Math.floor(Date.now() / 1000)
  const start = now() - 300
  const window = SECONDS + 900
  const res = await fetch(new URL('/streams', node.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${node.operatorToken}` },
    body: JSON.stringify({
      title: 'Abuse bench',
      windowSeconds: window,
      price: '1000',
      graceSeconds: 60,
      deviceIds: devices.map((d) => d.deviceId.toString()),
      circuitId: CIRCUIT,
      start,
    }),
  })
  if (!res.ok) throw new Error(`stream not created: ${await res.text()}`)
  const streamId = ((await res.json()) as { streamId: string }).streamId
  const post = async (body: string): Promise<{ status: number; results: IngestResult[] }> => {
    const r = await fetch(new URL(`/streams/${streamId}/readings`, node.url), { method: 'POST', body })
    const text = await r.text()
    try {
      return { status: r.status, results: (JSON.parse(text) as { results?: IngestResult[] }).results ?? [] }
    } catch {
      return { status: r.status, results: [] }
    }
  }

  const feed = createStreamFeed({
    devices,
    metrics: ['temperature', 'humidity', 'co2', 'pm25', 'pressure'],
    circuitId: CIRCUIT,
    stream: { start, windowLength: window },
    interval: 1,
    from: now(),
    batchReadings: 4,
  })
  // Strangers: the same kind of batches, signed by keys that are not the stream's (one claiming a
  // stream device's public key, so the node must compute the commitment and check the signature).
  const impostor = await createDeviceKey()
  const strangerFeed = createStreamFeed({
    devices: [impostor],
    metrics: ['temperature'],
    circuitId: CIRCUIT,
    stream: { start, windowLength: window },
    interval: 1,
    from: start + 10,
    batchReadings: 16,
  })
  const [first] = await strangerFeed.batchesUntil(start + 30)
  // A first batch of a new series each time (another salt): it passes every cheap check and costs
  // a commitment; half claim a stream device's key, half are the stranger's own.
  const forged = (i: number): string => {
    const claimed = devices[i % DEVICES]!
    const b = { ...first!, salt: String(1_000_000 + i) }
    return JSON.stringify(i % 2 === 0 ? { ...b, device: { x: claimed.Ax.toString(), y: claimed.Ay.toString() } } : b)
  }
  const junk = (i: number): string =>
    i % 3 === 0 ? '{"format":"assay.signed-batch/v2"' : i % 3 === 1 ? 'null' : JSON.stringify({ signature: 1 })

  const latency: number[] = []
  const refusedValid: string[] = []
  const refusals = new Map<string, number>()
  let acked = 0
  let floodSent = 0
  let stop = false
  const t0 = Date.now()
  const valid = (async () => {
    while (!stop) {
      const ready: SignedBatch[] = await feed.batchesUntil(now() - 1)
      const before = performance.now()
      await Promise.all(
        ready.map(async (b) => {
          const sent = performance.now()
          const r = await post(JSON.stringify(b))
          latency.push(performance.now() - sent)
          if (r.results[0]?.ok === true) acked += b.times.length
          else refusedValid.push(JSON.stringify(r.results[0] ?? r.status))
        }),
      )
      await sleep(Math.max(0, 1000 - (performance.now() - before)))
      if (Date.now() - t0 > SECONDS * 1000) stop = true
    }
  })()
  const flood = (async () => {
    const perSecond = ((DEVICES * 5) / 4) * FLOOD_FACTOR
    for (let i = 0; !stop; i++) {
      const kind = i % 4
      const body = kind === 0 || kind === 1 ? forged(i) : kind === 2 ? junk(i) : '{}\n'.repeat(300)
      void post(body).then((r) => {
        const reason = r.results[0] === undefined ? `http ${r.status}` : r.results[0].ok ? 'ok' : r.results[0].reason
        refusals.set(reason, (refusals.get(reason) ?? 0) + 1)
      })
      floodSent++
      await sleep(1000 / perSecond)
    }
  })()
  await Promise.all([valid, flood])
  await sleep(1000)
  const view = (await (await fetch(new URL(`/streams/${streamId}`, node.url))).json()) as { windows: WindowRecord[] }
  const stored = view.windows.reduce((n, w) => n + w.readings, 0)
  const result = {
    bench: 'abuse',
    seconds: SECONDS,
    devices: DEVICES,
    valid_batches: latency.length,
    valid_readings_acked: acked,
    valid_readings_stored: stored,
    valid_lost: acked - stored + refusedValid.length,
    valid_p99_ack_ms: round(p99(latency)),
    flood_requests: floodSent,
    flood_per_s: round(floodSent / SECONDS),
    refusals: Object.fromEntries(refusals),
    peak_rss_mb: round(peakRss / 1024 / 1024),
  }
  if (refusedValid.length > 0) log(`valid batches refused: ${refusedValid.slice(0, 3).join(' | ')}`)
  log(
    `valid p99 ack ${result.valid_p99_ack_ms} ms over ${latency.length} batches; lost ${result.valid_lost}; peak RSS ${result.peak_rss_mb} MB`,
  )
  console.log(JSON.stringify(result))
} finally {
  clearInterval(sampler)
  await node.stop()
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
