import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'chai'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import {
  deviceCreateCommand,
  deviceRegisterCommand,
  startNode,
  streamFeedCommand,
  streamPullCommand,
  streamPushCommand,
  subscribeCommand,
  subscribeTrustlessCommand,
  type AssayNode,
} from '../../cli/index.js'
import { deviceKeyFromFile, sensorStatsParams, type DeviceKey } from '../../circuits/index.js'
import { DEV_MNEMONIC, loadConfig, type SignedBatch } from '../../core/index.js'
import { createChainClient } from '../../contracts/index.js'
import mqtt from 'mqtt'
import {
  createStreamFeed,
  readingsTopic,
  signBatchRecord,
  type IngestResult,
  type MqttAck,
  type StreamFeed,
} from '../../pipelines/index.js'
import { createAssayClient } from '../../sdk/index.js'
import type { StreamView } from '../../server/index.js'
import { downloadDataset } from '../../sdk/node.js'
import { caught } from '../helpers/errors.js'
import { operatorHeaders } from '../helpers/operator.js'

const quiet = { out: () => undefined, err: () => undefined }
const WINDOW = 6
const CIRCUIT = 'sensor-stats-b16-v2'

/** A device streams live for several short windows over HTTP; each window is published, proven and anchored. */
describe('data streams through a running node (live batches → windows → subscriptions)', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let device: DeviceKey
  let stranger: DeviceKey
  let stream: { streamId: string; start: number }
  const post = async (path: string, body: unknown): Promise<Response> =>
    fetch(new URL(path, node.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...operatorHeaders(node.operatorToken) },
      body: JSON.stringify(body),
    })
  const push = async (batches: SignedBatch[]): Promise<{ status: number; results: IngestResult[] }> => {
    const res = await fetch(new URL(`/streams/${stream.streamId}/readings`, node.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: batches.map((b) => JSON.stringify(b)).join('\n'),
    })
    return { status: res.status, results: ((await res.json()) as { results: IngestResult[] }).results }
  }
  const view = async (): Promise<StreamView> => (await (await fetch(new URL(`/streams/${stream.streamId}`, node.url))).json()) as StreamView
  /** Start of the open window, waiting for the next one when less than half of it is left (tests must not race its end). */
  const openWindow = async (): Promise<number> => {
    const now = Date.now() / 1000
    const start = stream.start + Math.floor((now - stream.start) / WINDOW) * WINDOW
    if (start + WINDOW - now >= WINDOW / 2) return start
    await sleep((start + WINDOW - now) * 1000 + 100)
    return start + WINDOW
  }
  const feedFor = (keys: DeviceKey[], from?: number, batchReadings?: number): StreamFeed =>
    createStreamFeed({
      devices: keys,
      metrics: ['temperature'],
      circuitId: CIRCUIT,
      stream: { start: stream.start, windowLength: WINDOW },
      interval: 1,
      ...(from !== undefined ? { from } : {}),
      ...(batchReadings !== undefined ? { batchReadings } : {}),
    })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-streams-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    for (const label of ['window-sensor', 'stranger']) {
      await deviceCreateCommand({ out: join(dir, `${label}.key.json`), label }, quiet)
      await deviceRegisterCommand(join(dir, `${label}.key.json`), { node: node.url, operatorToken: node.operatorToken }, quiet)
    }
    const keyFile = async (label: string) => deviceKeyFromFile(JSON.parse(await readFile(join(dir, `${label}.key.json`), 'utf8')))
    device = await keyFile('window-sensor')
    stranger = await keyFile('stranger')
    const res = await post('/streams', {
      title: 'Window sensor, live',
      windowSeconds: WINDOW,
      periodSeconds: 2 * WINDOW,
      price: '1000000000000000',
      graceSeconds: 2,
      deviceIds: [device.deviceId.toString()],
      circuitId: CIRCUIT,
      start: Math.ceil(Date.now() / 1000) + 2,
    })
    expect(res.status).to.equal(201)
    stream = (await res.json()) as { streamId: string; start: number }
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('takes live batches, publishes every window as its own anchored dataset, and sells windows 2–3 to a subscriber of that period', async () => {
    const feed = feedFor([device])
    const provider = new JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    const subscriber = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/3").connect(provider)
    const market = createChainClient(new NonceManager(subscriber), node.deployment)
    let subscribed: { start: bigint; end: bigint } | undefined
    let accepted = 0
    // Feed windows 0–4 as the clock passes; subscribe while window 2 is open.
    for (let now = Date.now() / 1000; now < stream.start + 5 * WINDOW; now = Date.now() / 1000) {
      const batches = await feed.batchesUntil(Math.floor(now))
      if (batches.length > 0) {
        const r = await push(batches)
        expect(r.results.filter((x) => !x.ok)).to.deep.equal([])
        accepted += batches.reduce((n, b) => n + b.times.length, 0)
      }
      if (subscribed === undefined && now >= stream.start + 2 * WINDOW + 0.5)
        subscribed = await market.subscribe(BigInt(stream.streamId), 1n)
      await sleep(400)
    }
    expect(subscribed).to.deep.include({ start: BigInt(stream.start + 2 * WINDOW), end: BigInt(stream.start + 4 * WINDOW) })
    const last = await feed.batchesUntil(stream.start + 5 * WINDOW) // window 4's last batch
    expect((await push(last)).status).to.equal(200)
    accepted += last.reduce((n, b) => n + b.times.length, 0)

    let v = await view()
    for (let i = 0; i < 300 && v.windows.filter((w) => w.state === 'published').length < 5; i++, await sleep(500)) v = await view()
    expect(v.windows.map((w) => [w.index, w.state, w.readings])).to.deep.equal([0, 1, 2, 3, 4].map((i) => [i, 'published', WINDOW]))
    expect(v.windows.reduce((n, w) => n + w.readings, 0)).to.equal(accepted)

    // Each window is a dataset of its own: stream and window in the manifest and on-chain.
    const client = createAssayClient({ node: node.url })
    const datasets = v.windows.map((w) => BigInt(w.datasetId!))
    for (const [i, id] of datasets.entries()) {
      expect(await node.chain.windowOf(id)).to.deep.equal({ streamId: BigInt(stream.streamId), windowIndex: BigInt(i) })
      const { manifest } = await client.verifiedManifest(id, node.chain, v.windows[i]!.manifestCid!)
      expect(manifest.stream).to.deep.equal({ streamId: stream.streamId, windowIndex: i })
      expect(manifest.stats[0]!.count).to.equal(WINDOW)
    }

    // Keys: windows 2 and 3 for the subscriber; 1 and 4 refused. (The node releases keys of what
    // its catalog has indexed, which follows the chain within a second or two.)
    for (const id of datasets) for (let i = 0; i < 100 && node.catalog.get(id) === undefined; i++) await sleep(200)
    const keyFor = async (id: bigint, i: number): Promise<string> => {
      const { manifest } = await client.verifiedManifest(id, node.chain, v.windows[i]!.manifestCid!)
      try {
        await client.requestKey(subscriber, id, manifest.encryption.keyCommitment)
        return 'released'
      } catch (err) {
        return (err as { errorName?: string }).errorName ?? (err as Error).name
      }
    }
    expect(await Promise.all(datasets.map(keyFor))).to.deep.equal([
      'NoAccessError',
      'NoAccessError',
      'released',
      'released',
      'NoAccessError',
    ])
    const got = await downloadDataset({
      client,
      chain: node.chain,
      signer: subscriber,
      datasetId: datasets[2]!,
      outDir: join(dir, 'window-2'),
    })
    expect([got.readings, got.batches]).to.deep.equal([WINDOW, 1])
    provider.destroy()
  })

  it('sells windows through the key escrow: the node settles each window of a trustless subscription, the buyer opens the keys from the chain and pulls', async () => {
    // Windows 0–4 were published by the first test: a trustless subscription to 2 periods from
    // window 0 buys windows 0–3 (already closed, so each deadline runs from the opening).
    const config = loadConfig({ ASSAY_DATA_DIR: join(dir, 'escrow-buyer') })
    const opened = await subscribeTrustlessCommand(
      stream.streamId,
      config,
      { node: node.url, period: String(4 * WINDOW), firstWindow: '0', devAccount: 5 },
      quiet,
    )
    expect([opened.firstWindow, opened.windowCount, opened.paid]).to.deep.equal(['0', '4', (2n * 10n ** 15n).toString()])
    const provider = new JsonRpcProvider(node.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    const buyer = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/5").connect(provider)
    const client = createAssayClient({ node: node.url })
    const chain = createChainClient(buyer, node.deployment)
    const order = (await chain.streamOrderOf(BigInt(opened.orderId)))!
    const keys: bigint[] = []
    for (const w of [0n, 1n, 2n, 3n]) {
      const { key, settlement } = await client.waitForWindowKey(buyer, order, w, { timeoutMs: 180_000, pollMs: 250 })
      const datasetId = await chain.windowDataset(BigInt(stream.streamId), w)
      expect(settlement.window).to.deep.equal({ streamId: BigInt(stream.streamId), windowIndex: w })
      expect([settlement.datasetId, key.length, await chain.hasAccess(buyer.address, datasetId)]).to.deep.equal([datasetId, 32, true])
      keys.push(datasetId)
    }
    // The node's view of a window's settlement (public) matches the chain's.
    const view0 = (await (await fetch(new URL(`/escrow/orders/${opened.orderId}/windows/0`, node.url))).json()) as {
      status: string
      windowIndex: string
      job?: { state: string }
    }
    expect([view0.status, view0.windowIndex]).to.deep.equal(['settled', '0'])
    // Each window's share went to the stream's owner as it settled; nothing is left in escrow.
    expect(await provider.getBalance(node.deployment.contracts.keyEscrow)).to.equal(0n)
    expect(await chain.hasAccess(buyer.address, await chain.windowDataset(BigInt(stream.streamId), 4n))).to.equal(false)
    const pulled = await streamPullCommand(
      stream.streamId,
      config,
      { node: node.url, out: join(dir, 'escrow-pulled'), devAccount: 5 },
      quiet,
    )
    expect([pulled.pulled, pulled.escrowKeys]).to.deep.equal([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ])
    provider.destroy()
  })

  it('refuses out-of-order, replayed, after-last, unsigned, foreign-device, forged, late and future batches, each with its reason', async () => {
    const from = await openWindow()
    // One window's series in three batches of two readings: b2 is the one its device marks last.
    const feed = feedFor([device], from, 2)
    const [b0, b1, b2] = (await feed.batchesUntil(from + WINDOW - 1)).slice(0, 3) as [SignedBatch, SignedBatch, SignedBatch]
    expect([b0.last, b1.last, b2.last]).to.deep.equal([false, false, true])
    const reasons = async (batches: SignedBatch[]): Promise<string[]> => (await push(batches)).results.map((r) => (r.ok ? 'ok' : r.reason))
    const unsigned = { ...b0 } as Partial<SignedBatch>
    delete unsigned.signature
    const forged = { ...b0, values: [b0.values[0]! + 1, ...b0.values.slice(1)] }
    const foreign = (await feedFor([stranger], from).batchesUntil(from + 5))[0]!
    const late = (await feedFor([device], stream.start).batchesUntil(stream.start + 5))[0]!
    const future = (await feedFor([device], from + 600).batchesUntil(from + 605))[0]!
    expect(await reasons([unsigned as SignedBatch, forged, foreign, late, future])).to.deep.equal([
      'unsigned',
      'bad-signature',
      'foreign-device',
      'window-closed',
      'from-the-future',
    ])
    // Lines that are not batches at all: each refused by name, none a server error.
    const raw = await fetch(new URL(`/streams/${stream.streamId}/readings`, node.url), { method: 'POST', body: 'not json\nnull\n5\n{}' })
    const rawResults = ((await raw.json()) as { results: IngestResult[] }).results
    expect([raw.status, rawResults.map((r) => (r.ok ? 'ok' : r.reason))]).to.deep.equal([
      422,
      ['malformed', 'malformed', 'malformed', 'unsigned'],
    ])
    const brokenArray = await fetch(new URL(`/streams/${stream.streamId}/readings`, node.url), { method: 'POST', body: '[{"format": ' })
    expect([brokenArray.status, ((await brokenArray.json()) as { error: { name: string } }).error.name]).to.deep.equal([
      400,
      'ValidationError',
    ])
    expect(await reasons([b0])).to.deep.equal(['ok'])
    expect(await reasons([b0])).to.deep.equal(['replayed'])
    const res = await push([b2])
    expect([res.status, res.results.map((r) => (r.ok ? 'ok' : r.reason))]).to.deep.equal([422, ['out-of-order']])
    expect(await reasons([b1, b2])).to.deep.equal(['ok', 'ok'])
    // Nothing of a series is taken after the batch its device marked last.
    const after = await signBatchRecord({
      circuitId: CIRCUIT,
      params: sensorStatsParams(CIRCUIT),
      device,
      series: {
        metric: b2.metric,
        unit: b2.unit,
        scale: b2.scale,
        offset: b2.offset,
        ...(b2.validRange !== undefined ? { validRange: b2.validRange } : {}),
      },
      nonce: BigInt(b2.nonce),
      batchIndex: 3,
      last: true,
      batch: { values: [BigInt(b2.values[1]!)], times: [BigInt(b2.times[1]! + 1)] },
      salt: 5n,
    })
    expect(await reasons([after])).to.deep.equal(['after-last'])
    // Bounded requests: at most 256 batches, and 2 MB, per POST (a batch is ~20 kB at most).
    const many = await fetch(new URL(`/streams/${stream.streamId}/readings`, node.url), { method: 'POST', body: '{}\n'.repeat(257) })
    expect([many.status, ((await many.json()) as { error: { name: string; message: string } }).error]).to.deep.equal([
      400,
      { name: 'ValidationError', message: 'body: 257 batches in one request; send at most 256', category: 'bad-input', retryable: false },
    ])
    const huge = await fetch(new URL(`/streams/${stream.streamId}/readings`, node.url), {
      method: 'POST',
      body: 'x'.repeat(2 * 1024 * 1024 + 1),
    })
    expect(huge.status).to.equal(413)
    const err = await caught(() =>
      fetch(new URL('/streams/99/readings', node.url), { method: 'POST', body: '{}' }).then(async (r) => {
        throw Object.assign(new Error(((await r.json()) as { error: { name: string } }).error.name), { status: r.status })
      }),
    )
    expect([err.message, (err as { status?: number }).status]).to.deep.equal(['UnknownStreamError', 404])
  })

  it('works from the CLI: stream push of a signed file, subscribe for a period, stream pull of the windows it covers', async () => {
    const config = loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') })
    const from = await openWindow()
    const window = (from - stream.start) / WINDOW
    const bought = await subscribeCommand(stream.streamId, config, { node: node.url, period: '12', devAccount: 4 }, quiet)
    expect([Number(bought.start), Number(bought.end)]).to.deep.equal([from, from + 2 * WINDOW])
    const file = join(dir, 'window.ndjson')
    const batches = await feedFor([device], from).batchesUntil(from + WINDOW - 1)
    await writeFile(file, batches.map((b) => JSON.stringify(b)).join('\n'))
    expect(await streamPushCommand(stream.streamId, file, { node: node.url }, quiet)).to.deep.equal({
      accepted: batches.length,
      rejected: 0,
    })
    let v = await view()
    for (let i = 0; i < 200 && v.windows.find((w) => w.index === window)?.state !== 'published'; i++, await sleep(300)) v = await view()
    const pulled = await streamPullCommand(stream.streamId, config, { node: node.url, out: join(dir, 'pulled'), devAccount: 4 }, quiet)
    expect(pulled.pulled).to.deep.equal([window])
    expect(pulled.noAccess).to.include.members([0, 1, 2, 3, 4])
    const series = JSON.parse(await readFile(join(dir, 'pulled', `window-${window}`, 'series.json'), 'utf8')) as Array<{ seriesId: string }>
    expect(series.map((x) => x.seriesId)).to.include(batches[0]!.seriesId)
    // assay simulate --stream: a live feed from the device's key file, batches sent as windows end.
    const fed = await streamFeedCommand(
      {
        node: node.url,
        stream: stream.streamId,
        devices: [join(dir, 'window-sensor.key.json')],
        metrics: 'humidity',
        interval: '1',
        duration: '7',
      },
      quiet,
    )
    expect(fed.accepted).to.be.at.least(1)
    expect(fed.rejected).to.equal(0)
    // Pulling again skips what is already there.
    expect(
      (await streamPullCommand(stream.streamId, config, { node: node.url, out: join(dir, 'pulled'), devAccount: 4 }, quiet)).skipped,
    ).to.deep.equal([window])
  })

  it('takes batches over MQTT too: acknowledged on the response topic once stored, refusals with their reasons, the window published', async () => {
    const client = await mqtt.connectAsync(node.mqttUrl, { protocolVersion: 5, clientId: 'test-device' })
    try {
      const acks: Array<{ correlation: string; ack: MqttAck }> = []
      client.on('message', (_topic, payload, packet) =>
        acks.push({ correlation: packet.properties?.correlationData?.toString() ?? '', ack: JSON.parse(payload.toString()) as MqttAck }),
      )
      await client.subscribeAsync('test-device/acks', { qos: 1 })
      const from = await openWindow()
      const batches = await feedFor([device], from).batchesUntil(from + WINDOW - 1)
      const send = (id: string, body: SignedBatch[]) =>
        client.publishAsync(readingsTopic(stream.streamId), body.map((b) => JSON.stringify(b)).join('\n'), {
          qos: 1,
          properties: { responseTopic: 'test-device/acks', correlationData: Buffer.from(id) },
        })
      await send('first', batches)
      await send('again', batches)
      for (let i = 0; i < 100 && acks.length < 2; i++) await sleep(100)
      const byId = Object.fromEntries(acks.map((a) => [a.correlation, a.ack]))
      expect(byId.first).to.deep.include({ accepted: batches.length, rejected: 0 })
      expect(byId.again!.results.map((r) => (r.ok ? 'ok' : r.reason))).to.deep.equal(batches.map(() => 'replayed'))
      let v = await view()
      expect(v.lastReading).to.be.at.least(batches.at(-1)!.times.at(-1)!)
      // Its window is published like any other: proven, anchored, attached to the stream.
      const index = (from - stream.start) / WINDOW
      for (let i = 0; i < 200 && v.windows.find((w) => w.index === index)?.state !== 'published'; i++, await sleep(300)) v = await view()
      const published = v.windows.find((w) => w.index === index)!
      expect(published.state).to.equal('published')
      expect(await node.chain.windowOf(BigInt(published.datasetId!))).to.deep.equal({
        streamId: BigInt(stream.streamId),
        windowIndex: BigInt(index),
      })
    } finally {
      await client.endAsync()
    }
  })
})
