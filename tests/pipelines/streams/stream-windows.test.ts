import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { expect } from 'chai'
import type { ErrorCategory } from '../../../core/index.js'
import {
  createWindowCloser,
  DevelopmentSetupError,
  openStreamStore,
  WindowAttachedError,
  type PublicationStatus,
  type StreamStore,
} from '../../../pipelines/index.js'

// The closer's decisions over time, with the publish flow replaced by a scripted one: the real
// flow, retries included, is exercised by the publish-flow and stream tests.
describe('stream window closer: failed publications', () => {
  let dir: string
  let store: StreamStore
  let clock: number
  let flow: Map<string, PublicationStatus>
  let retried: string[]
  const log: string[] = []

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-windows-'))
    store = openStreamStore(':memory:')
    store.addStream({
      streamId: '7',
      title: 'Roof',
      description: '',
      licence: 'CC0-1.0',
      tags: [],
      circuitId: 'sensor-stats-b16-v2',
      start: 1_000,
      windowLength: 60,
      graceS: 5,
      maxReadings: 10_000,
      deviceIds: ['1'],
    })
    store.accept({
      streamId: '7',
      window: 0,
      seriesId: 's',
      batchIndex: 0,
      firstTime: 1_010,
      lastTime: 1_020,
      count: 2,
      last: true,
      line: '{}',
    })
    clock = 1_070
    flow = new Map()
    retried = []
    log.length = 0
  })
  afterEach(async () => {
    store.close()
    await rm(dir, { recursive: true, force: true })
  })

  const closer = () =>
    createWindowCloser(
      {
        store,
        workDir: dir,
        submit: (p) => Promise.resolve(basename(p.dir)),
        status: (id) => Promise.resolve(flow.get(id)),
        retry: (p) => {
          retried.push(basename(p.dir))
          flow.set(basename(p.dir), running(basename(p.dir)))
          return Promise.resolve(basename(p.dir))
        },
        now: () => clock,
        log: (m) => log.push(m),
      },
      { retryDelayS: 30 },
    )
  const running = (id: string): PublicationStatus => ({ id, stages: {} as PublicationStatus['stages'], proofs: { done: 0, total: 1 } })
  const failed = (id: string, failedReason: string, category?: ErrorCategory): PublicationStatus => ({
    ...running(id),
    failedReason,
    ...(category !== undefined ? { category } : {}),
  })
  const job = 'stream-7-window-0'

  it('publishes a window again after a passing failure, waiting longer after each', async () => {
    const c = closer()
    await c.tick()
    expect(store.window('7', 0)!.state).to.equal('closing')
    flow.set(job, failed(job, 'anchor: could not reach the chain'))
    await c.tick()
    expect([store.window('7', 0)!.state, store.window('7', 0)!.detail]).to.deep.equal(['failed', 'anchor: could not reach the chain'])
    expect(retried).to.deep.equal([])
    clock += 31
    await c.tick()
    expect(retried).to.deep.equal([job])
    expect(store.window('7', 0)!.state).to.equal('closing')
    flow.set(job, failed(job, 'anchor: could not reach the chain'))
    await c.tick()
    clock += 31 // the second wait is 60 s
    await c.tick()
    expect(retried).to.have.length(1)
    clock += 30
    await c.tick()
    expect(retried).to.have.length(2)
    flow.set(job, { ...running(job), result: { datasetId: '4', manifestCid: 'bafy', txHash: '0x', root: '1', quality: 90, stats: [] } })
    await c.tick()
    expect([store.window('7', 0)!.state, store.window('7', 0)!.datasetId]).to.deep.equal(['published', '4'])
    expect(log.some((m) => m.includes('(will be retried)'))).to.equal(true)
  })

  it('leaves a permanent failure alone until someone retries it by hand, then follows it again', async () => {
    const c = closer()
    await c.tick()
    flow.set(job, failed(job, 'anchor: DeviceNotRegisteredError: device 1 is not registered', 'forbidden'))
    await c.tick()
    clock += 10_000
    await c.tick()
    expect([store.window('7', 0)!.state, retried]).to.deep.equal(['failed', []])
    expect(log.some((m) => m.includes('(permanent; retry with POST /jobs/:id/retry'))).to.equal(true)
    flow.set(job, running(job)) // POST /jobs/stream-7-window-0/retry
    await c.tick()
    expect([store.window('7', 0)!.state, store.window('7', 0)!.detail]).to.deep.equal(['closing', null])
  })

  it('fails a window whose slot on-chain holds another dataset once, instead of retrying it forever', async () => {
    const c = closer()
    await c.tick()
    const reason = `list: ${new WindowAttachedError(7n, 0n, 3n).name}: window 0 of stream 7 is already dataset 3`
    flow.set(job, failed(job, reason, new WindowAttachedError(7n, 0n, 3n).category))
    for (let i = 0; i < 3; i++, clock += 10_000) await c.tick()
    expect([store.window('7', 0)!.state, retried]).to.deep.equal(['failed', []])
    expect(log.some((m) => m.includes('WindowAttachedError') && m.includes('(permanent; retry with POST /jobs/:id/retry'))).to.equal(true)
  })

  it('fails a window refused for its circuit’s development setup once, visibly, and closes it again on the retry schedule', async () => {
    let allowed = false
    const submitted: string[] = []
    const c = createWindowCloser(
      {
        store,
        workDir: dir,
        submit: (p) => {
          if (!allowed) return Promise.reject(new DevelopmentSetupError('sensor-stats-b16-v2', 1))
          submitted.push(basename(p.dir))
          return Promise.resolve(basename(p.dir))
        },
        status: (id) => Promise.resolve(flow.get(id)),
        retry: () => Promise.reject(new Error('not here')),
        now: () => clock,
        log: (m) => log.push(m),
      },
      { retryDelayS: 30 },
    )
    await c.tick()
    const w = store.window('7', 0)!
    expect([w.state, w.jobId]).to.deep.equal(['failed', null])
    expect(w.detail).to.match(/^DevelopmentSetupError: circuit sensor-stats-b16-v2 has a development setup/)
    for (let i = 0; i < 3; i++) await c.tick() // not tried again before its wait, and logged once
    expect(log.filter((m) => m.includes('not published')).length).to.equal(1)
    allowed = true // ASSAY_ALLOW_DEV_SETUP=1 and a restart, or a ceremony build
    clock += 31
    await c.tick() // reopened…
    await c.tick() // …and closed again
    expect(submitted).to.deep.equal([job])
    expect(store.window('7', 0)!.state).to.equal('closing')
  })

  it('retries a window that was already failed when the node started, at once', async () => {
    await closer().tick()
    flow.set(job, failed(job, 'store: Helia is not running'))
    await closer().tick() // this closer saw it fail…
    await closer().tick() // …a new one (a restart) tries again without waiting
    expect(retried).to.deep.equal([job])
  })
})
