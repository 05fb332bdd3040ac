import { expect } from 'chai'
import { createDeviceKey, type DeviceKey } from '../../circuits/index.js'
import { createStreamFeed, createStreamIngest, openStreamStore, type StreamStore } from '../../pipelines/index.js'

// Stream ingest on its real SQLite store, the chain's registration answer stubbed: what strangers
// can make it hold.
describe('stream ingest: bounded by what a stranger can send', function () {
  this.timeout(120_000)
  const CIRCUIT = 'sensor-stats-b16-v2'
  const START = 1_800_000_000
  let store: StreamStore
  let device: DeviceKey
  let stranger: DeviceKey

  before(async () => {
    device = await createDeviceKey()
    stranger = await createDeviceKey()
  })
  beforeEach(() => {
    store = openStreamStore(':memory:')
    store.addStream({
      streamId: '1',
      title: 'Roof',
      description: '',
      licence: 'CC0-1.0',
      tags: [],
      circuitId: CIRCUIT,
      start: START,
      windowLength: 60,
      graceS: 5,
      maxReadings: 10_000,
      deviceIds: [device.deviceId.toString()],
    })
  })
  afterEach(() => store.close())

  it('keeps no per-series state for refused batches, and frees it once a series has nothing in flight', async () => {
    const ingest = createStreamIngest({ store, deviceRegistered: () => Promise.resolve(true), now: () => START + 30 })
    const feed = (keys: DeviceKey[]) =>
      createStreamFeed({
        devices: keys,
        metrics: ['temperature', 'humidity'],
        circuitId: CIRCUIT,
        stream: { start: START, windowLength: 60 },
        interval: 1,
        batchReadings: 4,
      })
    const own = await feed([device]).batchesUntil(START + 20)
    const foreign = await feed([stranger]).batchesUntil(START + 20)
    // Strangers: a foreign device's batches under 200 made-up series ids, junk, unsigned lines.
    const forged = Array.from({ length: 200 }, (_, i) => JSON.stringify({ ...foreign[i % foreign.length]!, seriesId: String(i + 1) }))
    const junk = ['{}', 'null', '[1,2]', JSON.stringify({ format: 'assay.signed-batch/v2', seriesId: '7' })]
    const results = await ingest.ingest('1', [...forged, ...junk, ...own.map((b) => JSON.stringify(b))])
    const reasons = new Map<string, number>()
    for (const r of results) reasons.set(r.ok ? 'ok' : r.reason, (reasons.get(r.ok ? 'ok' : r.reason) ?? 0) + 1)
    expect(Object.fromEntries(reasons)).to.deep.equal({ 'foreign-device': 200, unsigned: 3, malformed: 1, ok: own.length })
    // Let the queues' tails settle (each entry is freed on the microtask after its last batch).
    await new Promise((r) => setImmediate(r))
    expect(ingest.inFlight()).to.equal(0)
  })
})
