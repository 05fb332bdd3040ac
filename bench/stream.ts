// bench:stream — live stream ingestion on a real node (embedded anvil, Redis, mosquitto, Helia).
// 10 simulated devices, one series each, batches of 400 readings signed for the production
// 16-bit circuit (B = 400), sent concurrently: first over HTTP (one request per batch), then over
// MQTT (QoS 1, one client per device, acknowledged on an MQTT 5 response topic). Reported: readings
// per second acknowledged (every batch checked, signature verified, stored in SQLite before the
// ack) and the p99 acknowledgement latency. Then a window of 10 batches closes and is published
// through the flow (2 sandboxed provers); the same batches are proven alone in this process for
// comparison. Last line: JSON.
import '../core/polyfill.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import mqtt from 'mqtt'
import { startNode } from '../cli/index.js'
import { createDeviceKey, type DeviceKey } from '../circuits/index.js'
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
const CIRCUIT = 'sensor-stats-16bit-b400-v1'
const B = 400
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d
const p99 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!

const dir = await mkdtemp(join(tmpdir(), 'assay-bench-stream-'))
const node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
try {
  const devices: DeviceKey[] = []
  for (let i = 0; i < DEVICES; i++) {
    const key = await createDeviceKey()
    await node.chain.registerDevice(key.Ax, key.Ay, `bench-device-${i}`)
    devices.push(key)
  }
  const createStream = async (start: number, windowSeconds: number, graceSeconds: number): Promise<{ streamId: string; start: number }> => {
    const res = await fetch(new URL('/streams', node.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
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
  const ingestStream = await createStream(now - 2 * BATCHES * B - 600, 86_400, 3_600)
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
    perDevice.push(await feed.batchesUntil(ingestStream.start + 2 * BATCHES * B - 1))
  }
  log(`signed ${DEVICES * 2 * BATCHES} batches of ${B} readings in ${round((performance.now() - t) / 1000)} s`)

  const httpLatency: number[] = []
  t = performance.now()
  await Promise.all(
    perDevice.map(async (batches) => {
      for (const b of batches.slice(0, BATCHES)) {
        const started = performance.now()
        const res = await fetch(new URL(`/streams/${ingestStream.streamId}/readings`, node.url), { method: 'POST', body: JSON.stringify(b) })
        const body = (await res.json()) as { results: IngestResult[] }
        httpLatency.push(performance.now() - started)
        if (!body.results[0]?.ok) throw new Error(`refused over HTTP: ${JSON.stringify(body.results[0])}`)
      }
    }),
  )
  const httpSeconds = (performance.now() - t) / 1000
  const httpRate = (DEVICES * BATCHES * B) / httpSeconds
  log(`HTTP: ${DEVICES * BATCHES * B} readings in ${round(httpSeconds, 2)} s = ${Math.round(httpRate)}/s, p99 ack ${round(p99(httpLatency))} ms`)

  const mqttLatency: number[] = []
  const clients = await Promise.all(devices.map((_, i) => mqtt.connectAsync(node.mqttUrl, { protocolVersion: 5, clientId: `bench-device-${i}` })))
  t = performance.now()
  await Promise.all(
    perDevice.map(async (batches, i) => {
      const client = clients[i]!
      const waiting = new Map<string, (ack: MqttAck) => void>()
      client.on('message', (_topic, payload, packet) => waiting.get(packet.properties?.correlationData?.toString() ?? '')?.(JSON.parse(payload.toString()) as MqttAck))
      await client.subscribeAsync(`bench/${i}/acks`, { qos: 1 })
      for (const [k, b] of batches.slice(BATCHES).entries()) {
        const started = performance.now()
        const acked = new Promise<MqttAck>((resolve) => waiting.set(String(k), resolve))
        await client.publishAsync(readingsTopic(ingestStream.streamId), JSON.stringify(b), {
          qos: 1,
          properties: { responseTopic: `bench/${i}/acks`, correlationData: Buffer.from(String(k)) },
        })
        const ack = await acked
        mqttLatency.push(performance.now() - started)
        if (ack.accepted !== 1) throw new Error(`refused over MQTT: ${JSON.stringify(ack.results[0])}`)
      }
    }),
  )
  const mqttSeconds = (performance.now() - t) / 1000
  const mqttRate = (DEVICES * BATCHES * B) / mqttSeconds
  log(`MQTT: ${DEVICES * BATCHES * B} readings in ${round(mqttSeconds, 2)} s = ${Math.round(mqttRate)}/s, p99 ack ${round(p99(mqttLatency))} ms`)
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
    const res = await fetch(new URL(`/streams/${windowStream.streamId}/readings`, node.url), { method: 'POST', body: JSON.stringify(batches[0]) })
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
      ingest_readings_per_s_http: Math.round(httpRate),
      ingest_readings_per_s_mqtt: Math.round(mqttRate),
      window_publish_seconds: round(publishSeconds),
      window_prove_only_seconds: round(proveSeconds),
      window_publish_ratio: round(publishSeconds / proveSeconds, 2),
      p99_ack_ms: round(Math.max(p99(httpLatency), p99(mqttLatency))),
      p99_ack_ms_http: round(p99(httpLatency)),
      p99_ack_ms_mqtt: round(p99(mqttLatency)),
      devices: DEVICES,
    }),
  )
} finally {
  await node.stop()
  await rm(dir, { recursive: true, force: true })
}
