// bench:stream — live stream ingestion on a real node (embedded anvil, Redis, mosquitto, Helia).
// 10 simulated devices, one series each, batches of 400 readings signed for the production
// 16-bit circuit (B = 400), over HTTP (one request per batch) and over MQTT (QoS 1, one client per
// device, acknowledged on an MQTT 5 response topic). Each protocol twice: flat out (every device
// sends its next batch as soon as the last is acknowledged: the most readings per second the node
// takes, every batch checked, its signature verified and stored in SQLite before the ack), and
// paced at the goal rate of 20,000 readings/s (each device a batch every 200 ms, the devices'
// clocks spread over those 200 ms as independent sensors' are: the p99 acknowledgement latency
// under that load). Then a window of 10 batches closes and is published
// through the flow (2 sandboxed provers); the same batches are proven alone in this process for
// comparison. Last line: JSON.
import '../core/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import mqtt from 'mqtt'
import { startNode } from '../cli/index.js'
import { createDeviceKey, signEddsaPoseidon, type DeviceKey } from '../circuits/index.js'
import { releaseProverThreads } from '../circuits/node.js'
import { loadConfig, type SignedBatch } from '../core/index.js'
import {
  createLocalProver,
  createStreamFeed,
  planSignedBatches,
  readingsTopic,
  type IngestResult,
  type MqttAck,
  type WindowRecord,
} from '../pipelines/index.js'

const log = (msg: string): void => console.error(`[bench] ${msg}`)
const DEVICES = Number(process.env.BENCH_DEVICES ?? 10)
const BATCHES = Number(process.env.BENCH_BATCHES ?? 20) // per device and protocol
const CIRCUIT = 'sensor-stats-16bit-b400-v2'
const B = 400
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!

const dir = await mkdtemp(join(tmpdir(), 'assay-bench-stream-'))
const node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
try {
  const devices: DeviceKey[] = []
  for (let i = 0; i < DEVICES; i++) {
    const key = await createDeviceKey()
    await node.chain.registerDevice(key.Ax, key.Ay, `bench-device-${i}`, (m) => signEddsaPoseidon(key.privateKey, m))
    devices.push(key)
  }
  const createStream = async (start: number, windowSeconds: number, graceSeconds: number): Promise<{ streamId: string; start: number }> => {
    const res = await fetch(new URL('/streams', node.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${node.operatorToken}` },
      body: JSON.stringify({
        title: 'Bench stream',
        windowSeconds,
        price: '1000',
        graceSeconds,
        deviceIds: devices.map((d) => d.deviceId.toString()),
        circuitId: CIRCUIT,
        start,
      }),
    })
    if (res.status !== 201) throw new Error(`stream not created: ${await res.text()}`)
    return (await res.json()) as { streamId: string; start: number }
  }

  // 1. Ingestion: one day-long window that started 10 h ago; each device's readings one a second.
  const now = Math.floor(Date.now() / 1000)
  const ingestStream = await createStream(now - 4 * BATCHES * B - 600, 86_400, 3_600)
  let t = performance.now()
  const perDevice: SignedBatch[][] = []
  for (const key of devices) {
    const feed = createStreamFeed({
      devices: [key],
      metrics: ['temperature'],
      circuitId: CIRCUIT,
      stream: { start: ingestStream.start, windowLength: 86_400 },
      interval: 1,
      batchReadings: B,
    })
    perDevice.push(await feed.batchesUntil(ingestStream.start + 4 * BATCHES * B - 1))
  }
  log(`signed ${DEVICES * 4 * BATCHES} batches of ${B} readings in ${round((performance.now() - t) / 1000)} s`)

  /**
   * Sends each device's batches [from, from + BATCHES) with `send` (which resolves once the batch
   * is acknowledged and throws if it was refused), each after the previous ack, or every
   * `paceMs` with the devices' clocks spread over that interval. Readings/s and ack latencies.
   */
  const drive = async (
    from: number,
    paceMs: number,
    send: (device: number, id: string, batch: SignedBatch) => Promise<void>,
  ): Promise<{ rate: number; latency: number[] }> => {
    const latency: number[] = []
    const t0 = performance.now()
    await Promise.all(
      perDevice.map(async (batches, i) => {
        for (const [k, b] of batches.slice(from, from + BATCHES).entries()) {
          if (paceMs > 0) await sleep(Math.max(0, t0 + k * paceMs + (i * paceMs) / DEVICES - performance.now()))
          const started = performance.now()
          await send(i, `${i}:${from + k}`, b)
          latency.push(performance.now() - started)
        }
      }),
    )
    return { rate: (DEVICES * BATCHES * B) / ((performance.now() - t0) / 1000), latency }
  }
  const overHttp = (from: number, paceMs = 0) =>
    drive(from, paceMs, async (_device, _id, b) => {
      const res = await fetch(new URL(`/streams/${ingestStream.streamId}/readings`, node.url), { method: 'POST', body: JSON.stringify(b) })
      const body = (await res.json()) as { results: IngestResult[] }
      if (!body.results[0]?.ok) throw new Error(`refused over HTTP: ${JSON.stringify(body.results[0])}`)
    })
  const clients = await Promise.all(
    devices.map((_, i) => mqtt.connectAsync(node.mqttUrl, { protocolVersion: 5, clientId: `bench-device-${i}` })),
  )
  // Devices send small messages: no Nagle delay on their side either.
  for (const c of clients) (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  const waiting = new Map<string, (ack: MqttAck) => void>()
  await Promise.all(
    clients.map(async (client, i) => {
      client.on('message', (_topic, payload, packet) =>
        waiting.get(packet.properties?.correlationData?.toString() ?? '')?.(JSON.parse(payload.toString()) as MqttAck),
      )
      await client.subscribeAsync(`bench/${i}/acks`, { qos: 1 })
    }),
  )
  const overMqtt = (from: number, paceMs = 0) =>
    drive(from, paceMs, async (device, id, b) => {
      const acked = new Promise<MqttAck>((resolve) => waiting.set(id, resolve))
      await clients[device]!.publishAsync(readingsTopic(ingestStream.streamId), JSON.stringify(b), {
        qos: 1,
        properties: { responseTopic: `bench/${device}/acks`, correlationData: Buffer.from(id) },
      })
      const ack = await acked
      if (ack.accepted !== 1) throw new Error(`refused over MQTT: ${JSON.stringify(ack.results[0])}`)
    })
  const report = (name: string, r: { rate: number; latency: number[] }): void =>
    log(`${name}: ${Math.round(r.rate)} readings/s, p99 ack ${round(p99(r.latency))} ms`)
  const pace = (DEVICES * B * 1000) / 20_000 // ms between a device's batches at 20,000 readings/s in all
  const httpMax = await overHttp(0)
  report('HTTP flat out', httpMax)
  const mqttMax = await overMqtt(BATCHES)
  report('MQTT flat out', mqttMax)
  const httpPaced = await overHttp(2 * BATCHES, pace)
  report('HTTP at 20,000 readings/s', httpPaced)
  const mqttPaced = await overMqtt(3 * BATCHES, pace)
  report('MQTT at 20,000 readings/s', mqttPaced)
  await Promise.all(clients.map((c) => c.endAsync()))

  // 2. A window of one 400-reading batch per device: closed, proven and anchored by the flow.
  const windowSeconds = B + 20
  const windowStream = await createStream(Math.floor(Date.now() / 1000) - B - 5, windowSeconds, 0)
  for (const key of devices) {
    const feed = createStreamFeed({
      devices: [key],
      metrics: ['temperature'],
      circuitId: CIRCUIT,
      stream: { start: windowStream.start, windowLength: windowSeconds },
      interval: 1,
      batchReadings: B,
    })
    const batches = await feed.batchesUntil(windowStream.start + B - 1)
    const res = await fetch(new URL(`/streams/${windowStream.streamId}/readings`, node.url), {
      method: 'POST',
      body: JSON.stringify(batches[0]),
    })
    if (res.status !== 200) throw new Error(`window batch refused: ${await res.text()}`)
  }
  let closedAt: number | undefined
  let window: WindowRecord | undefined
  for (; window?.state !== 'published'; await sleep(200)) {
    const view = (await (await fetch(new URL(`/streams/${windowStream.streamId}`, node.url))).json()) as { windows: WindowRecord[] }
    window = view.windows[0]
    if (closedAt === undefined && window?.state === 'closing') closedAt = performance.now()
    if (window?.state === 'failed') throw new Error(`window failed: ${window.detail}`)
  }
  const publishSeconds = (performance.now() - closedAt!) / 1000
  log(`window of ${DEVICES} batches published in ${round(publishSeconds)} s (dataset ${window.datasetId})`)

  const plan = await planSignedBatches(join(dir, 'node', 'streams', 'windows', `stream-${windowStream.streamId}-window-0.ndjson`))
  const prove = createLocalProver()
  await prove(plan.circuitId, plan.batches[0]!.input) // warm-up: circuit load, wasm compile
  t = performance.now()
  for (const b of plan.batches) await prove(plan.circuitId, b.input)
  const proveSeconds = (performance.now() - t) / 1000
  await releaseProverThreads()
  log(`the same ${plan.batches.length} batches proven alone, one after another: ${round(proveSeconds)} s`)

  console.log(
    JSON.stringify({
      ingest_readings_per_s_http: Math.round(httpMax.rate),
      ingest_readings_per_s_mqtt: Math.round(mqttMax.rate),
      window_publish_seconds: round(publishSeconds),
      window_prove_only_seconds: round(proveSeconds),
      window_publish_ratio: round(publishSeconds / proveSeconds, 2),
      p99_ack_ms: round(Math.max(p99(httpPaced.latency), p99(mqttPaced.latency))),
      p99_ack_ms_http_at_20k: round(p99(httpPaced.latency)),
      p99_ack_ms_mqtt_at_20k: round(p99(mqttPaced.latency)),
      p99_ack_ms_http_flat_out: round(p99(httpMax.latency)),
      p99_ack_ms_mqtt_flat_out: round(p99(mqttMax.latency)),
      devices: DEVICES,
    }),
  )
} finally {
  await node.stop()
  await rm(dir, { recursive: true, force: true })
}
