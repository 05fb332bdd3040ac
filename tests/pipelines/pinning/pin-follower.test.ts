import { once } from 'node:events'
import type { Server } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import express from 'express'
import { CID } from 'multiformats/cid'
import {
  createPinFollower,
  createPinLedgerFile,
  type PinFollower,
  type PinLedger,
  type PinnableDataset,
  type PinState,
} from '../../../pipelines/index.js'
import { createPinningServiceClient, generateDataKey, type ContentStore, type EmbeddedHelia } from '../../../storage/index.js'
import { createContentStore, createEmbeddedHelia } from '../../../storage/node.js'
import { pieces, pseudoRandomBytes } from '../../helpers/bytes.js'
import { startPinningService, type TestPinningService } from '../../helpers/pinning-service.js'

const TOKEN = 'right-token-1234567890'
const PEER = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'

/** Waits (bounded) until `check` holds. */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 25)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
}

describe('pin follower (remote pinning of anchored datasets)', function () {
  this.timeout(60_000)
  let dir: string
  let helia: EmbeddedHelia
  let store: ContentStore
  let gateway: Server
  let origin: string
  let dataset: PinnableDataset
  const running: PinFollower[] = []
  const services: TestPinningService[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-pin-follower-'))
    helia = await createEmbeddedHelia({ dataDir: join(dir, 'ipfs') })
    store = createContentStore({ helia: helia.helia })
    const ciphertext = await store.addStream(pieces(pseudoRandomBytes(2 * 1024 * 1024 + 5, 3), 65_536), generateDataKey())
    const report = await store.putJson({ score: 80 })
    const manifest = await store.putJson({ a: 'manifest stand-in' })
    dataset = { datasetId: '7', manifestCid: manifest.toString(), cids: [ciphertext.cid.toString(), report.toString()] }
    // The node's trustless gateway, as far as a pinning service needs it: a DAG as a CAR.
    const app = express()
    app.get('/ipfs/:cid', async (req, res) => {
      res.type('application/vnd.ipld.car')
      for await (const chunk of store.exportCar(CID.parse(req.params.cid))) res.write(chunk)
      res.end()
    })
    gateway = app.listen(0, '127.0.0.1')
    await once(gateway, 'listening')
    origin = `/ip4/127.0.0.1/tcp/${(gateway.address() as AddressInfo).port}/http/p2p/${PEER}`
  })
  afterEach(async () => {
    for (const f of running.splice(0)) await f.stop()
    for (const s of services.splice(0)) await s.stop()
  })
  after(async () => {
    gateway?.close()
    await helia?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function service(options: { delayMs?: number } = {}): Promise<TestPinningService> {
    const s = await startPinningService({ token: TOKEN, ...options })
    services.push(s)
    return s
  }
  function follower(s: TestPinningService, ledger: string, o: { token?: string; datasets?: PinnableDataset[] } = {}): PinFollower {
    const f = createPinFollower(
      {
        client: createPinningServiceClient({ url: s.url, token: o.token ?? TOKEN, timeoutMs: 2_000 }),
        ledger: createPinLedgerFile(ledger),
        datasets: () => o.datasets ?? [dataset],
        origins: () => [origin, `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`],
        chainId: 31337,
      },
      { intervalMs: 20, retryBaseMs: 50, retryMaxMs: 200, pollBaseMs: 20, pollMaxMs: 100 },
    )
    running.push(f)
    return f
  }
  const states = (f: PinFollower): PinState[] => f.report().datasets.flatMap((d) => d.pins.map((p) => p.state))
  const allPinned = (f: PinFollower): boolean => states(f).length === 3 && states(f).every((s) => s === 'pinned')

  it('asks the service to pin the manifest and every CID it names, named and labelled, and follows each to pinned', async () => {
    const s = await service({ delayMs: 100 })
    const ledger = join(dir, 'all.json')
    const f = follower(s, ledger)
    expect(f.report().counts.pinned).to.equal(0)
    await f.start()
    await until('queued requests', () => s.pins().length === 3)
    expect(s.pins().map((p) => p.pin.cid)).to.deep.equal([dataset.manifestCid, ...dataset.cids])
    expect(s.pins().every((p) => p.pin.name === 'assay-dataset-7')).to.equal(true)
    expect(s.pins()[0]!.pin.meta).to.deep.equal({ datasetId: '7', chainId: '31337' })
    expect(s.pins()[0]!.pin.origins).to.deep.equal([origin, `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`])
    await until('every CID pinned', () => allPinned(f))
    // The service fetched every block from the gateway and checked it: the ciphertext's leaves too.
    expect(s.pins().every((p) => p.status === 'pinned')).to.equal(true)
    expect(s.blocks.size).to.be.greaterThan(3)
    expect(f.report()).to.include({ ok: true, endpoint: s.url })
    expect(f.report().counts).to.deep.equal({ unsent: 0, queued: 0, pinning: 0, pinned: 3, failed: 0 })
    // Pinned is final: no more questions about these requests.
    await f.stop()
    const saved = JSON.parse(await readFile(ledger, 'utf8')) as { datasets: Array<{ pins: Array<{ state: string; requestid: string }> }> }
    expect(saved.datasets[0]!.pins.map((p) => [p.state, p.requestid])).to.deep.equal(s.pins().map((p) => ['pinned', p.requestid]))
  })

  it('records a refused token as failed with its reason, keeps the dataset, and pins once the token is fixed', async () => {
    const s = await service()
    const f = follower(s, join(dir, 'token.json'), { token: 'wrong-token-0987654321' })
    await f.start()
    await until('failed requests', () => states(f).length === 3 && states(f).every((st) => st === 'failed'))
    const report = f.report()
    expect(report.ok).to.equal(false)
    expect(report.lastError).to.match(/^PinningServiceAuthError: the pinning service refused the access token \(401 UNAUTHORIZED/)
    expect(report.datasets[0]!.pins.every((p) => p.reason?.startsWith('PinningServiceAuthError'))).to.equal(true)
    expect(JSON.stringify(report)).to.not.contain('wrong-token')
    expect(s.pins()).to.have.length(0)
    // The operator fixes it on the service's side: the follower's next retries get through.
    s.setToken('wrong-token-0987654321')
    await until('every CID pinned after the fix', () => allPinned(f))
    expect(f.report()).to.include({ ok: true })
    expect(f.report().datasets[0]!.pins.every((p) => p.reason === undefined)).to.equal(true)
  })

  it('retries while the service is down and pins once it is back', async () => {
    const s = await service()
    await s.stop()
    const f = follower(s, join(dir, 'down.json'))
    await f.start()
    await until('an outage recorded', () => f.report().lastError?.startsWith('PinningServiceUnavailableError') === true)
    expect(states(f).every((st) => st === 'failed')).to.equal(true)
    await s.start()
    await until('every CID pinned once the service is back', () => allPinned(f))
    expect(s.pins()).to.have.length(3)
  })

  it('picks its requests up again after a restart: no request is made twice', async () => {
    const s = await service({ delayMs: 1_500 })
    const ledger = join(dir, 'restart.json')
    const first = follower(s, ledger)
    await first.start()
    await until('three requests made', () => s.pins().length === 3 && states(first).every((st) => st === 'queued'))
    await first.stop()
    const posts = s.calls.filter((c) => c.startsWith('POST /pins')).length
    const second = follower(s, ledger)
    await second.start()
    await until('every CID pinned after the restart', () => allPinned(second))
    expect(s.calls.filter((c) => c.startsWith('POST /pins')).length).to.equal(posts)
    expect(s.pins()).to.have.length(3)
  })

  it('takes over a request the service already holds (made before a crash lost the ledger)', async () => {
    const s = await service({ delayMs: 200 })
    const client = createPinningServiceClient({ url: s.url, token: TOKEN })
    const earlier = await client.add({ cid: dataset.manifestCid, name: 'assay-dataset-7', origins: [origin] })
    const f = follower(s, join(dir, 'crash.json'))
    await f.start()
    await until('every CID pinned', () => allPinned(f))
    expect(
      s
        .pins()
        .filter((p) => p.pin.cid === dataset.manifestCid)
        .map((p) => p.requestid),
    ).to.deep.equal([earlier.requestid])
  })

  it('asks again when the service reports a pin failed, replacing the failed request', async () => {
    const s = await service()
    let reachable = false
    const f = createPinFollower(
      {
        client: createPinningServiceClient({ url: s.url, token: TOKEN }),
        ledger: createPinLedgerFile(join(dir, 'failed.json')),
        datasets: () => [dataset],
        // At first no gateway the service can reach: it cannot fetch the blocks.
        origins: () => (reachable ? [origin] : [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`]),
        chainId: 31337,
      },
      { intervalMs: 20, retryBaseMs: 100, retryMaxMs: 200, pollBaseMs: 20, pollMaxMs: 50 },
    )
    running.push(f)
    await f.start()
    await until('pins failed at the service', () => states(f).length === 3 && states(f).every((st) => st === 'failed'))
    expect(f.report().datasets[0]!.pins[0]!.reason).to.equal('the pinning service could not pin it: no HTTP gateway among the origins')
    const failedIds = s.pins().map((p) => p.requestid)
    reachable = true
    await until('every CID pinned', () => allPinned(f))
    // The failed requests were removed, the new ones pinned.
    expect(s.pins().filter((p) => failedIds.includes(p.requestid))).to.deep.equal([])
    expect(s.pins().every((p) => p.status === 'pinned')).to.equal(true)
  })
})

/**
 * A pinning service holding no pins that refuses every new request with `status` and `reason`
 * (and `headers`) until accept(); then it queues each one.
 */
async function refusingService(status: number, reason: string, headers: Record<string, string> = {}) {
  let accepting = false
  const calls: string[] = []
  const held = new Map<string, unknown>()
  const app = express()
  app.use(express.json())
  app.use((req, _res, next) => {
    calls.push(`${req.method} ${req.path}`)
    next()
  })
  app.get('/pins', (_req, res) => void res.json({ count: 0, results: [] }))
  app.get('/pins/:id', (req, res) => void res.json(held.get(req.params.id)))
  app.post('/pins', (req, res) => {
    if (!accepting)
      return void res
        .status(status)
        .set(headers)
        .json({ error: { reason, details: 'refused by the test' } })
    const requestid = `r${held.size + 1}`
    held.set(requestid, { requestid, status: 'queued', created: new Date().toISOString(), pin: req.body as unknown, delegates: [] })
    res.status(202).json(held.get(requestid))
  })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts: () => calls.filter((c) => c === 'POST /pins').length,
    calls,
    accept: () => void (accepting = true),
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

describe('pin follower facing a service that fails as a whole (out of funds, unpaid, rate limited)', function () {
  this.timeout(30_000)
  let dir: string
  let clock: number
  let service: Awaited<ReturnType<typeof refusingService>> | undefined
  const running: PinFollower[] = []
  // Ten datasets of three CIDs each: thirty pins due at once.
  const datasets: PinnableDataset[] = Array.from({ length: 10 }, (_, i) => ({
    datasetId: String(i + 1),
    manifestCid: `bafy-manifest-${i}`,
    cids: [`bafy-ciphertext-${i}`, `bafy-report-${i}`],
  }))

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-pin-refusals-'))
  })
  beforeEach(() => {
    clock = 1_700_000_000_000
  })
  afterEach(async () => {
    for (const f of running.splice(0)) await f.stop()
    await service?.close()
    service = undefined
  })
  after(() => rm(dir, { recursive: true, force: true }))

  function follower(
    url: string,
    o: { ledger?: PinLedger; maxDatasets?: number; saveIntervalMs?: number; log?: (msg: string) => void } = {},
  ): PinFollower {
    const f = createPinFollower(
      {
        client: createPinningServiceClient({ url, token: TOKEN }),
        ledger: o.ledger ?? createPinLedgerFile(join(dir, `${clock}-${Math.random()}.json`)),
        datasets: () => datasets,
        origins: () => [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`],
        chainId: 31337,
        now: () => clock,
        ...(o.log !== undefined ? { log: o.log } : {}),
      },
      {
        retryBaseMs: 1_000,
        retryMaxMs: 8_000,
        pollBaseMs: 1_000,
        pollMaxMs: 1_000,
        maxDatasets: o.maxDatasets,
        saveIntervalMs: o.saveIntervalMs,
      },
    )
    running.push(f)
    return f
  }
  const pins = (f: PinFollower) => f.report().datasets.flatMap((d) => d.pins)

  for (const [status, reason] of [
    [409, 'INSUFFICIENT_FUNDS'],
    [402, 'PAYMENT_REQUIRED'],
  ] as const) {
    it(`makes one call per back-off, not one per pin, while the service answers ${status} ${reason}`, async () => {
      service = await refusingService(status, reason)
      const f = follower(service.url)
      await f.tick()
      expect(service.posts()).to.equal(1)
      expect(pins(f)).to.have.length(30)
      expect(pins(f).every((p) => p.state === 'failed' && p.reason?.includes(`(${status} ${reason}`))).to.equal(true)
      expect(f.report()).to.include({ ok: false })
      expect(f.report().lastError).to.match(
        new RegExp(`^PinningServiceRequestError: pin bafy-manifest-0: the pinning service refused it \\(${status} ${reason}`),
      )
      // Within the back-off (1 s, then 2 s) no call at all; after it, one.
      const calls = service.calls.length
      await f.tick()
      clock += 999
      await f.tick()
      expect(service.calls.length).to.equal(calls)
      clock += 1
      await f.tick()
      expect(service.posts()).to.equal(2)
      clock += 1_999
      await f.tick()
      expect(service.posts()).to.equal(2)
      clock += 1
      await f.tick()
      expect(service.posts()).to.equal(3)
      // Funds added: the next call gets through, and so does every pin that waited.
      service.accept()
      clock += 4_000
      await f.tick()
      expect(service.posts()).to.equal(3 + 30)
      expect(f.report()).to.include({ ok: true })
      expect(pins(f).every((p) => p.state === 'queued' && p.reason === undefined)).to.equal(true)
    })
  }

  it('still asks for each pin when the service refuses one pin only (400)', async () => {
    service = await refusingService(400, 'BAD_REQUEST')
    const f = follower(service.url)
    await f.tick()
    expect(service.posts()).to.equal(30)
    expect(pins(f).every((p) => p.state === 'failed' && p.reason?.includes('(400 BAD_REQUEST'))).to.equal(true)
  })

  it('waits as long as a rate-limiting service asks (429 with Retry-After), past its own back-off', async () => {
    service = await refusingService(429, 'RATE_LIMITED', { 'retry-after': '30' })
    const f = follower(service.url)
    await f.tick()
    expect(service.posts()).to.equal(1)
    expect(f.report().lastError).to.match(/^PinningServiceUnavailableError: .*429 RATE_LIMITED \(retry after 30 s\)$/)
    clock += 29_999
    await f.tick()
    expect(service.posts()).to.equal(1)
    clock += 1
    await f.tick()
    expect(service.posts()).to.equal(2)
  })

  it('bounds its ledger: at most maxDatasets datasets (the rest refused by name) and one write per saveIntervalMs, flushed on stop', async () => {
    service = await refusingService(409, 'INSUFFICIENT_FUNDS')
    service.accept()
    const path = join(dir, 'bounded.json')
    const file = createPinLedgerFile(path)
    let saves = 0
    const ledger: PinLedger = { load: () => file.load(), save: (s) => ((saves += 1), file.save(s)) }
    const logs: string[] = []
    const f = follower(service.url, { ledger, maxDatasets: 4, saveIntervalMs: 10_000, log: (m) => logs.push(m) })
    await f.tick()
    expect(f.report().datasets.map((d) => d.datasetId)).to.deep.equal(['4', '3', '2', '1'])
    expect(service.posts()).to.equal(12)
    const refusing = 'the ledger follows 4 datasets, the most it takes (maxDatasets): dataset 5 and newer ones are not pinned'
    expect(f.report()).to.include({ ok: false, refusing })
    expect(saves).to.equal(1)
    // Every pin polled each second (a change each time): no write until saveIntervalMs has passed.
    for (let i = 0; i < 3; i++) {
      clock += 1_000
      await f.tick()
    }
    expect(service.calls.filter((c) => c.startsWith('GET /pins/r')).length).to.be.greaterThan(0)
    expect(saves).to.equal(1)
    expect(logs.filter((m) => m.includes(refusing))).to.have.length(1)
    clock += 7_000
    await f.tick()
    expect(saves).to.equal(2)
    // What changed since is written on stop.
    clock += 2_000
    await f.tick()
    expect(saves).to.equal(2)
    await f.stop()
    expect(saves).to.equal(3)
    const saved = JSON.parse(await readFile(path, 'utf8')) as { datasets: Array<{ pins: Array<{ polls: number }> }> }
    expect(saved.datasets).to.have.length(4)
    // Queued at the first round, then asked about five times: the last answer is in the file.
    expect(saved.datasets.flatMap((d) => d.pins.map((p) => p.polls))).to.deep.equal(pins(f).map(() => 6))
  })
})
