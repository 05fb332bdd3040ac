import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'chai'
import { deviceCreateCommand, deviceRegisterCommand } from '../../../cli/index.js'
import { deviceKeyFromFile } from '../../../circuits/index.js'
import { createStreamFeed, type IngestResult, type WindowRecord } from '../../../pipelines/index.js'
import { runNode, stopNode, stopOrphans, type RunningNode } from '../../helpers/node-process.js'
import { operatorHeaders } from '../../helpers/operator.js'

const quiet = { out: () => undefined, err: () => undefined }
/** Seconds per window: a reading a second from two metrics, in batches of four, is three batches per series. */
const WINDOW = 12
const METRICS = ['temperature', 'humidity']
const BATCH_READINGS = 4
/** Every reading the device takes in window 0: the window is full, and closes, once all of them are in. */
const READINGS = WINDOW * METRICS.length

describe('streams survive a node killed mid-window (assay node as a process)', function () {
  this.timeout(600_000)
  let root: string
  const nodes: RunningNode[] = []
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'assay-stream-crash-'))
  })
  afterEach(async () => {
    for (const n of nodes.splice(0)) {
      await stopNode(n)
      await stopOrphans(n.pids)
    }
  })
  after(() => rm(root, { recursive: true, force: true }))

  it('keeps every acknowledged reading: after a SIGKILL mid-window and a restart the window is published with all of them', async () => {
    const dataDir = join(root, 'node')
    const first = await runNode(dataDir)
    nodes.push(first)
    const keyFile = join(root, 'sensor.key.json')
    await deviceCreateCommand({ out: keyFile, label: 'sensor' }, quiet)
    await deviceRegisterCommand(keyFile, { node: first.url, operatorToken: first.operatorToken }, quiet)
    const key = await deviceKeyFromFile(JSON.parse(await readFile(keyFile, 'utf8')))
    const res = await fetch(new URL('/streams', first.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...operatorHeaders(first.operatorToken) },
      body: JSON.stringify({
        title: 'Crash-tested stream',
        windowSeconds: WINDOW,
        price: '1000',
        // Room for the restart: the device cannot deliver the window's last batches while the node
        // is down, and a window closed before they arrive fails (its series never ended).
        graceSeconds: 60,
        // The window closes once every reading is in, not when its grace runs out: a reading lost in
        // the crash leaves it short, and it is then published without it (or fails) at its grace's end.
        maxReadings: READINGS,
        deviceIds: [key.deviceId.toString()],
        circuitId: 'sensor-stats-b16-v2',
        start: Math.ceil(Date.now() / 1000) + 1,
      }),
    })
    const stream = (await res.json()) as { streamId: string; start: number }
    // A reading a second, in batches of four pushed as they complete (each batch is one proof).
    const feed = createStreamFeed({
      devices: [key],
      metrics: METRICS,
      circuitId: 'sensor-stats-b16-v2',
      stream: { start: stream.start, windowLength: WINDOW },
      interval: 1,
      batchReadings: BATCH_READINGS,
    })
    let acked = 0
    let batches = 0
    /** Pushes the batches complete by now to `node`, a second apart, until `done()`. */
    const feedUntil = async (node: { url: string }, done: () => boolean): Promise<void> => {
      while (!done()) {
        await sleep(900)
        const ready = await feed.batchesUntil(Math.min(Math.floor(Date.now() / 1000), stream.start + WINDOW - 1))
        if (ready.length === 0) continue
        const r = await fetch(new URL(`/streams/${stream.streamId}/readings`, node.url), {
          method: 'POST',
          body: ready.map((b) => JSON.stringify(b)).join('\n'),
        })
        const results = ((await r.json()) as { results: IngestResult[] }).results
        for (const [i, x] of results.entries())
          if (x.ok) {
            acked += ready[i]!.times.length
            batches++
          }
      }
    }
    // Until the first batch of each series is acknowledged (a third of the window), leaving the
    // rest for a SIGKILL, its orphans stopping and a restart.
    await feedUntil(first, () => batches >= METRICS.length || Date.now() / 1000 >= stream.start + WINDOW)
    expect(batches).to.be.at.least(METRICS.length)
    // Mid-window: the node dies without any chance to clean up.
    expect(Date.now() / 1000, 'killed after the window ended').to.be.below(stream.start + WINDOW)
    first.child.kill('SIGKILL')
    await new Promise((r) => first.child.once('exit', r))
    await stopOrphans(first.pids)

    const second = await runNode(dataDir)
    nodes.push(second)
    // The device goes on to the window's end, its last batches marked so (a window whose series
    // did not end cannot be published: nothing would show it whole).
    await feedUntil(second, () => Date.now() / 1000 >= stream.start + WINDOW + 1)
    // However long the restart took: the batches still held, up to the window's last second.
    const once = Date.now() / 1000 + 1
    await feedUntil(second, () => Date.now() / 1000 >= once)
    expect(await feed.batchesUntil(stream.start + WINDOW - 1)).to.deep.equal([])
    // Every reading of the window was taken, before the crash or after the restart.
    expect(acked).to.equal(READINGS)
    let window: WindowRecord | undefined
    for (let i = 0; i < 400 && window?.state !== 'published'; i++, await sleep(300)) {
      const view = (await (await fetch(new URL(`/streams/${stream.streamId}`, second.url))).json()) as { windows: WindowRecord[] }
      window = view.windows.find((w) => w.index === 0)
    }
    expect([window?.state, window?.readings, window?.batches]).to.deep.equal(['published', acked, batches])
    // The window is listed on-chain; the catalog indexes it from the chain within a second or two,
    // and reads its manifest from IPFS after that (until then the entry's manifest is null).
    const datasetUrl = new URL(`/datasets/${window!.datasetId}`, second.url)
    type Page = { manifest: { stats: Array<{ count: number }>; stream: unknown } | null }
    let found = await fetch(datasetUrl)
    let page = (await found.json()) as Page
    for (let i = 0; i < 150 && (found.status === 404 || page.manifest === null); i++, await sleep(200)) {
      found = await fetch(datasetUrl)
      page = (await found.json()) as Page
    }
    expect(found.status, JSON.stringify(page)).to.equal(200)
    if (page.manifest === null) expect.fail('the catalog never read the window’s manifest')
    expect(page.manifest.stats.reduce((n, s) => n + s.count, 0)).to.equal(acked)
    expect(page.manifest.stream).to.deep.equal({ streamId: stream.streamId, windowIndex: 0 })
  })
})
