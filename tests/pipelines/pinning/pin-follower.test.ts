import { once } from 'node:events'
import type { Server } from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import express from 'express'
import { CID } from 'multiformats/cid'
import { createPinFollower, createPinLedgerFile, type PinFollower, type PinnableDataset, type PinState } from '../../../pipelines/index.js'
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
