import { createReadStream, existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarBlockIterator, CarReader } from '@ipld/car'
import { expect } from 'chai'
import { HDNodeWallet } from 'ethers'
import express from 'express'
import { CID } from 'multiformats/cid'
import { createDeviceKey, signEddsaPoseidon } from '../../circuits/index.js'
import { exportCommand, startNode, type AssayNode } from '../../cli/index.js'
import { gatewayMultiaddrs } from '../../cli/start-pinning.js'
import { datasetCids, DEV_MNEMONIC, loadConfig, type Manifest } from '../../core/index.js'
import { carV1Block, carV1Header, checkBlock, generateDataKey } from '../../storage/index.js'
import { computePieceCid } from '../../storage/node.js'
import { anchorManifest } from '../helpers/anchor-manifest.js'
import { pieces, pseudoRandomBytes } from '../helpers/bytes.js'
import { caught } from '../helpers/errors.js'
import { sampleManifest } from '../helpers/manifest.js'
import { startPinningService, type TestPinningService } from '../helpers/pinning-service.js'

const TOKEN = 'service-token-1234567890'
const NEW_TOKEN = 'rotated-token-0987654321'
const quiet = { out: () => undefined }

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve()
  yield bytes
}

/** Waits (bounded) until `check` holds. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 100)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
}

type PinningDetail = {
  ok: boolean
  lastError?: string
  counts: Record<string, number>
  datasets: Array<{ datasetId: string; name: string; pins: Array<{ cid: string; state: string; reason?: string; requestid?: string }> }>
}

describe('storage deals: assay export --car and remote pinning through a running node', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let service: TestPinningService
  let deviceId: bigint
  const owner = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0").address
  const logs: string[] = []
  const nodeConfig = (token: string) => ({
    ...loadConfig({
      ASSAY_DATA_DIR: join(dir, 'node'),
      ASSAY_PINNING_SERVICE_URL: service.url,
      ASSAY_PINNING_SERVICE_TOKEN: token,
    }),
    port: 0,
  })

  /** A dataset as the node stores one (a several-leaf ciphertext, JSON objects, preview, thumbnail), anchored by its account. */
  async function publish(seed: number): Promise<{ id: string; manifest: Manifest }> {
    const store = node.contentStore
    const added = await store.addStream(pieces(pseudoRandomBytes(2 * 1024 * 1024 + seed, seed), 65_536), generateDataKey())
    const bundle = await store.putJson({ batches: [seed] })
    const report = await store.putJson({ score: 80 + seed })
    const preview = await store.putBytes(pseudoRandomBytes(3000, seed + 1))
    const thumbnail = await store.putBytes(pseudoRandomBytes(500, seed + 2))
    const manifest = sampleManifest({
      title: `Pinned dataset ${seed}`,
      owner,
      devices: [{ deviceId: deviceId.toString(), publicKey: { x: '1', y: '2' }, gateway: false }],
      series: sampleManifest().series.map((s) => ({ ...s, deviceId: deviceId.toString() })),
      content: { ciphertextCid: added.cid.toString(), plaintextSha256: 'ab'.repeat(32), bytes: 2 * 1024 * 1024 + seed, rows: 10 },
      proofs: { circuitId: 'sensor-stats-b16-v2', vkeyHash: 'cd'.repeat(32), bundleCid: bundle.toString() },
      quality: { score: 80, reportCid: report.toString() },
      previewCid: preview.toString(),
      thumbnailCid: thumbnail.toString(),
      commitments: { root: String(1000 + seed), batches: ['5'] },
    }) as Manifest
    return { id: (await anchorManifest(node, manifest)).toString(), manifest }
  }

  async function pinningHealth(): Promise<PinningDetail> {
    const res = await fetch(`${node.url}/health`, { headers: { authorization: `Bearer ${node.operatorToken}` } })
    const body = (await res.json()) as { services: Record<string, { ok: boolean; detail: PinningDetail }> }
    return body.services.pinning!.detail
  }
  const datasetOf = async (id: string) => (await pinningHealth()).datasets.find((d) => d.datasetId === id)

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-storage-deals-'))
    service = await startPinningService({ token: TOKEN, delayMs: 50 })
    node = await startNode(nodeConfig(TOKEN), (m) => logs.push(m))
    const device = await createDeviceKey()
    ;({ deviceId } = await node.chain.registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m)))
  })
  after(async () => {
    await node?.stop()
    await service?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  describe('remote pinning', () => {
    let first: { id: string; manifest: Manifest }

    it('pins every CID of a dataset the node anchors on the configured service, which fetched and checked every block', async () => {
      const before = service.pins().length
      first = await publish(1)
      await until('the catalog read the manifest', () => node.catalog.get(BigInt(first.id))?.manifestStatus === 'ok')
      const cids = [node.catalog.get(BigInt(first.id))!.manifestCid, ...datasetCids(first.manifest)]
      await until('every CID pinned', async () => (await datasetOf(first.id))?.pins.every((p) => p.state === 'pinned') === true)
      const pins = service.pins().slice(before)
      expect(pins.map((p) => p.pin.cid).sort()).to.deep.equal([...cids].sort())
      expect(pins.map((p) => p.status)).to.deep.equal(cids.map(() => 'pinned'))
      expect(pins.every((p) => p.pin.name === `assay-dataset-${first.id}`)).to.equal(true)
      expect(pins[0]!.pin.meta).to.deep.equal({ datasetId: first.id, chainId: '31337' })
      // Origins: the HTTP gateway (which the service used) and the libp2p addresses, all with the peer id.
      const peerId = node.helia.helia.libp2p.peerId.toString()
      const port = new URL(node.url).port
      expect(pins[0]!.pin.origins).to.include(`/ip4/127.0.0.1/tcp/${port}/http/p2p/${peerId}`)
      expect(pins[0]!.pin.origins!.every((o) => o.endsWith(`/p2p/${peerId}`))).to.equal(true)
      // What the service holds is the whole dataset: the same blocks `assay export` writes.
      const out = join(dir, 'first.car')
      await exportCommand(first.id, loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') }), { node: node.url, car: true, out }, quiet)
      const exported = new Set<string>()
      for await (const b of await CarBlockIterator.fromIterable(createReadStream(out))) exported.add(CID.decode(b.cid.bytes).toString())
      for (const cid of exported) expect(service.blocks.has(cid), cid).to.equal(true)
      // The operator sees it (the token never); anyone else only that it is up, and it never makes the node unhealthy.
      const detail = await pinningHealth()
      expect(detail).to.include({ ok: true })
      expect(detail.counts.pinned).to.be.at.least(6)
      expect(JSON.stringify(detail)).to.not.contain(TOKEN)
      const open = (await (await fetch(`${node.url}/health`)).json()) as { ok: boolean; services: Record<string, unknown> }
      expect(open.services.pinning).to.deep.equal({ ok: true, embedded: false, detail: {} })
      expect(logs.join('\n')).to.not.contain(TOKEN)
    })

    it('records a refused token as failed with its reason, loses nothing, and pins after the operator fixes the token', async () => {
      // The service rotates its token: the node's is now wrong.
      service.setToken(NEW_TOKEN)
      const second = await publish(2)
      await until('the refusal recorded', async () => {
        const d = await datasetOf(second.id)
        return d !== undefined && d.pins.every((p) => p.state === 'failed')
      })
      const refused = (await datasetOf(second.id))!
      expect(
        refused.pins.every((p) => /^PinningServiceAuthError: the pinning service refused the access token \(401/.test(p.reason ?? '')),
      ).to.equal(true)
      const detail = await pinningHealth()
      expect(detail.ok).to.equal(false)
      expect(detail.lastError).to.match(/^PinningServiceAuthError/)
      // Kept on disk with the reason (the ledger is written at most every 5 s).
      const onDisk = async (): Promise<string[] | undefined> => {
        const ledger = JSON.parse(await readFile(join(dir, 'node', 'pinning', 'requests.json'), 'utf8')) as {
          datasets: PinningDetail['datasets']
        }
        return ledger.datasets.find((d) => d.datasetId === second.id)?.pins.map((p) => p.state)
      }
      await until('the refusal written to the ledger', async () => (await onDisk())?.every((state) => state === 'failed') === true)
      expect(await onDisk()).to.have.length(refused.pins.length)
      // The operator sets the new token and restarts the node: the failed requests go out at once, the pinned stay as they were.
      const posts = service.calls.filter((c) => c === 'POST /pins 202').length
      await node.stop()
      node = await startNode(nodeConfig(NEW_TOKEN), (m) => logs.push(m))
      await until('the second dataset pinned', async () => (await datasetOf(second.id))?.pins.every((p) => p.state === 'pinned') === true)
      expect((await datasetOf(first.id))!.pins.every((p) => p.state === 'pinned')).to.equal(true)
      expect(service.calls.filter((c) => c === 'POST /pins 202').length - posts).to.equal(6)
      expect(logs.join('\n')).to.not.contain(NEW_TOKEN)
    })

    it('retries while the service is down and pins once it is back', async () => {
      await service.stop()
      const third = await publish(3)
      await until(
        'the outage recorded',
        async () => (await pinningHealth()).lastError?.startsWith('PinningServiceUnavailableError') === true,
      )
      expect((await datasetOf(third.id))!.pins.some((p) => p.state === 'pinned')).to.equal(false)
      await service.start()
      await until('the third dataset pinned', async () => (await datasetOf(third.id))?.pins.every((p) => p.state === 'pinned') === true)
      expect((await pinningHealth()).ok).to.equal(true)
    })
  })

  describe('assay export --car', () => {
    let id: string
    let manifest: Manifest
    before(async () => {
      ;({ id, manifest } = await publish(4))
      await until('the catalog read the manifest', () => node.catalog.get(BigInt(id))?.manifestStatus === 'ok')
    })

    it("writes the dataset's blocks as one CAR rooted at the anchored manifest, with its piece CID and sizes", async () => {
      const out = join(dir, 'export', 'dataset.car')
      await mkdir(join(dir, 'export'))
      expect(existsSync(out)).to.equal(false)
      const lines: string[] = []
      const result = await exportCommand(
        id,
        loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') }),
        { node: node.url, car: true, out, json: true },
        {
          out: (s) => lines.push(s),
        },
      )
      const manifestCid = node.catalog.get(BigInt(id))!.manifestCid
      expect(JSON.parse(lines[0]!)).to.deep.equal({ ...result })
      expect([result.root, result.file, result.dags]).to.deep.equal([manifestCid, out, [manifestCid, ...datasetCids(manifest)]])
      // Round trip: the roots, and every block re-read and checked against its CID.
      const reader = await CarReader.fromIterable(createReadStream(out))
      expect((await reader.getRoots()).map(String)).to.deep.equal([manifestCid])
      let blocks = 0
      for await (const b of reader.blocks()) {
        await checkBlock(CID.decode(b.cid.bytes), b.bytes)
        blocks += 1
      }
      expect(blocks).to.equal(result.blocks)
      for (const cid of result.dags) expect(await reader.has(CID.parse(cid)), cid).to.equal(true)
      // The piece commitment is the file's, computed again from disk.
      const again = await computePieceCid(createReadStream(out))
      expect([result.pieceCid, result.pieceCidV2, result.pieceSize, result.payloadSize]).to.deep.equal([
        again.pieceCid,
        again.pieceCidV2,
        again.pieceSize,
        again.payloadSize,
      ])
      expect(result.pieceCid).to.match(/^baga6ea4seaq/)
      expect(await readdir(join(dir, 'export'))).to.deep.equal(['dataset.car'])
    })

    it('refuses a block a dishonest node forged, by name, and leaves no file behind', async () => {
      // A proxy in front of the node that flips a byte in one leaf of the ciphertext.
      const ciphertext = manifest.content.ciphertextCid
      const app = express()
      app.use(async (req, res) => {
        const upstream = await fetch(`${node.url}${req.originalUrl}`, { headers: { accept: String(req.headers.accept ?? '*/*') } })
        const body = new Uint8Array(await upstream.arrayBuffer())
        res.status(upstream.status).type(upstream.headers.get('content-type') ?? 'application/octet-stream')
        if (!req.path.startsWith(`/ipfs/${ciphertext}`) || req.query.format !== 'car') return void res.send(Buffer.from(body))
        const blocks: Array<{ cid: CID; bytes: Uint8Array }> = []
        for await (const b of await CarBlockIterator.fromIterable(oneChunk(body)))
          blocks.push({ cid: CID.decode(b.cid.bytes), bytes: new Uint8Array(b.bytes) })
        blocks.at(-1)!.bytes[0]! ^= 0xff
        res.write(carV1Header([CID.parse(ciphertext)]))
        for (const b of blocks) for (const part of carV1Block(b.cid, b.bytes)) res.write(part)
        res.end()
      })
      const proxy: Server = app.listen(0, '127.0.0.1')
      await once(proxy, 'listening')
      try {
        const out = join(dir, 'forged', 'dataset.car')
        await mkdir(join(dir, 'forged'))
        const err = await caught(() =>
          exportCommand(
            id,
            loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') }),
            { node: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, car: true, out },
            quiet,
          ),
        )
        expect(err.name).to.equal('ContentCorruptedError')
        expect(err.message).to.match(/block bytes do not match the CID$/)
        expect(await readdir(join(dir, 'forged'))).to.deep.equal([])
      } finally {
        proxy.closeAllConnections()
        proxy.close()
      }
    })

    it('asks for the format by name', async () => {
      const err = await caught(() =>
        exportCommand(id, loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') }), { node: node.url, car: false }, quiet),
      )
      expect([err.name, err.message]).to.deep.equal(['ConfigError', '--car: is the one export format so far: pass --car'])
    })
  })

  it('offers the gateway as one multiaddr per name the node answers to, ending in its peer id', () => {
    expect(gatewayMultiaddrs(['0.0.0.0', 'node.example', '10.0.0.2', '[2001:db8::1]'], 7420, 'P')).to.deep.equal([
      '/dns4/node.example/tcp/7420/http/p2p/P',
      '/ip4/10.0.0.2/tcp/7420/http/p2p/P',
      '/ip6/2001:db8::1/tcp/7420/http/p2p/P',
    ])
    expect(gatewayMultiaddrs(['::'], 80, 'P')).to.deep.equal(['/ip4/127.0.0.1/tcp/80/http/p2p/P'])
  })
})
