// bench:abuse — a node under a flood of invalid stream batches while real devices stream.
// 4 devices, 5 metrics each, one reading a second per series in 4-reading batches; each device
// sends the batches it completed in one HTTP request every 4 s (5 batches/s in all) for
// BENCH_SECONDS (default 60), a quarter of a second after the device before it, as devices with
// their own clocks do (BENCH_SYNCHRONIZED=1: all four in the same millisecond, the worst case);
// meanwhile flooders send 10× as many invalid requests: batches claiming a stream device's key but
// signed by another (each costs the node a batch commitment and a signature check before it is
// refused), batches of a device the stream does not know, malformed lines, and requests of 300
// batches (over the cap). The node runs in this process; the devices and flooders in a child
// process (bench/abuse-clients.ts), as they would on their own machines. Reports the valid
// batches' p99 acknowledgement latency, valid readings lost (acknowledged but not stored, or
// refused), the refusals by reason, the node's peak RSS (its verifier processes included) and its
// event loop's stalls. Loopback clients are not rate-limited: this is the node's raw capacity,
// the worst case. Last line: JSON.
import '../core/polyfill.js'
import { fork } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { startNode } from '../cli/index.js'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../circuits/index.js'
import { loadConfig } from '../core/index.js'
import type { WindowRecord } from '../pipelines/index.js'
import type { ClientsReport, ClientsTask } from './abuse-clients.js'

const log = (msg: string): void => console.error(`[bench] ${msg}`)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const DEVICES = 4
const FLOOD_FACTOR = Number(process.env.BENCH_FLOOD_FACTOR ?? 10)
const CIRCUIT = 'sensor-stats-b16-v2'
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0
const p99 = (xs: number[]): number => quantile(xs, 0.99)

const dir = await mkdtemp(join(tmpdir(), 'assay-bench-abuse-'))
const node = await startNode(
  {
    ...loadConfig({
      ASSAY_DATA_DIR: join(dir, 'node'),
      ...(process.env.ASSAY_VERIFY_PROCESSES !== undefined ? { ASSAY_VERIFY_PROCESSES: process.env.ASSAY_VERIFY_PROCESSES } : {}),
    }),
    port: 0,
  },
  () => undefined,
)
// The node's memory: this process and its batch verifier (and prover) child processes; not the
// services it starts (anvil, Redis, mosquitto) nor the clients' process.
const nodeRss = (): number => {
  const kib = (pid: string): number => Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  let total = kib('self')
  for (const task of readdirSync('/proc/self/task'))
    for (const pid of readFileSync(`/proc/self/task/${task}/children`, 'utf8')
      .split(' ')
      .filter((p) => p.trim() !== ''))
      try {
        if (/batch-verifier-process|prover-process/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) total += kib(pid)
      } catch {
        // it ended between the listing and the read
      }
  return total * 1024
}
let peakRss = nodeRss()
// How long the event loop stalls: every request waits out a stall, so this bounds the ack latency.
const loopDelay = monitorEventLoopDelay({ resolution: 5 })
const sampler = setInterval(() => (peakRss = Math.max(peakRss, nodeRss())), 200)
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
  // The clients run from here on: the node's event loop serves them and nothing else.
  const clients = fork(fileURLToPath(new URL('./abuse-clients.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const task: ClientsTask = {
    url: node.url,
    streamId,
    devices,
    circuitId: CIRCUIT,
    start,
    window,
    seconds: SECONDS,
    floodFactor: FLOOD_FACTOR,
    synchronized: process.env.BENCH_SYNCHRONIZED === '1',
  }
  clients.send(task)
  // The clients sign before streaming: the loop is measured from their first request on.
  let elu: ReturnType<typeof performance.eventLoopUtilization> | undefined
  const reported = new Promise<ClientsReport>((resolve, reject) => {
    clients.on('message', (msg: ClientsReport | 'streaming') => {
      if (msg !== 'streaming') return resolve(msg)
      loopDelay.enable()
      elu = performance.eventLoopUtilization()
    })
    clients.once('exit', (code) => reject(new Error(`the clients' process exited (${String(code)}) without a report`)))
  })
  const { latency, latencyWarm, timeline, acked, refusedValid, refusals, floodSent } = await reported
  loopDelay.disable()
  const busy = elu === undefined ? 0 : performance.eventLoopUtilization(elu).utilization
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
    valid_p50_ack_ms: round(quantile(latency, 0.5)),
    valid_p90_ack_ms: round(quantile(latency, 0.9)),
    valid_p99_ack_ms: round(p99(latency)),
    valid_p99_ack_after_first_ms: round(p99(latencyWarm)),
    flood_requests: floodSent,
    flood_per_s: round(floodSent / SECONDS),
    refusals,
    peak_rss_mb: round(peakRss / 1024 / 1024),
    event_loop_delay_p99_ms: round(loopDelay.percentile(99) / 1e6),
    event_loop_delay_max_ms: round(loopDelay.max / 1e6),
    event_loop_busy_pct: round(busy * 100),
  }
  const worst = [...timeline].sort((a, b) => b[1] - a[1]).slice(0, 6)
  log(`slowest valid requests (s after start: ms): ${worst.map(([t, ms]) => `${t}: ${ms}`).join(', ')}`)
  if (refusedValid.length > 0) log(`valid batches refused: ${refusedValid.slice(0, 3).join(' | ')}`)
  const sorted = [...latency].sort((a, b) => a - b)
  log(
    `valid ack ms: p50 ${round(sorted[Math.floor(sorted.length / 2)] ?? 0)}, p90 ${round(sorted[Math.floor(sorted.length * 0.9)] ?? 0)}, max ${round(sorted.at(-1) ?? 0)}`,
  )
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
