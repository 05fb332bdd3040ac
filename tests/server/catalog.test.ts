import { once } from 'node:events'
import type { Server } from 'node:http'
import { readFileSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import sharp from 'sharp'
import { CID } from 'multiformats/cid'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import { createDeviceKey, DEVELOPMENT_SETUP_WARNING, deviceKeyFromPrivate, knownFlawOf, signEddsaPoseidon } from '../../circuits/index.js'
import { loadCircuitVerificationKey } from '../../circuits/node.js'
import { DEV_MNEMONIC, parseImportMapping, type Manifest } from '../../core/index.js'
import { createChainClient, statsDigestOf } from '../../contracts/index.js'
import { publishDataset, type PublishResult } from '../../pipelines/index.js'
import {
  createApp,
  createCatalogIndexer,
  createSetupRecordReader,
  ftsQuery,
  openCatalog,
  type Catalog,
  type CatalogIndexer,
} from '../../server/index.js'
import { anchorManifest } from '../helpers/anchor-manifest.js'
import { datasetPath } from '../helpers/datasets.js'
import { writeSignedBatchFile } from '../helpers/signed-file.js'
import { startTestPublisher, type TestPublisher } from '../helpers/publisher.js'
import { testAuth } from '../helpers/operator.js'

describe('catalog: indexer, search and dataset pages (real anvil, Helia, SQLite)', function () {
  this.timeout(300_000)
  let publisher: TestPublisher
  let provider: JsonRpcProvider
  let office: PublishResult
  let roof: PublishResult
  let catalog: Catalog
  let indexer: CatalogIndexer
  let server: Server
  let url: string
  const newIndexer = (c: Catalog): CatalogIndexer =>
    createCatalogIndexer({
      provider,
      deployment: publisher.chain.deployment,
      contentStore: publisher.components.contentStore,
      catalog: c,
      verificationKey: (id) => loadCircuitVerificationKey(id),
      setupRecord: createSetupRecordReader({ chain: publisher.chain, contentStore: publisher.components.contentStore }),
    })

  before(async () => {
    publisher = await startTestPublisher('catalog')
    // No request cache: the head must be read fresh right after a transaction.
    provider = new JsonRpcProvider(publisher.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    const { dir, components } = publisher
    // A CSV signed by the gateway, listed at 0.01 ETH…
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    await writeFile(join(dir, 'office.csv'), `${lines.slice(0, 21).join('\n')}\n`)
    office = await publishDataset(components, {
      file: join(dir, 'office.csv'),
      mapping: parseImportMapping(JSON.parse(await readFile('examples/occupancy-room-2015.mapping.json', 'utf8'))),
      title: 'Office room climate',
      description: 'Temperature, humidity, light and CO2 of one office',
      licence: 'CC-BY-4.0',
      tags: ['indoor'],
      circuitId: 'sensor-stats-b16-v2',
      listing: { price: 10n ** 16n },
    })
    // …and a device-signed CO2 feed from two registered sensors, listed at 2 ETH.
    const devices = [
      { ...(await createDeviceKey()), label: 'roof' },
      { ...(await createDeviceKey()), label: 'yard' },
    ]
    for (const d of devices) await publisher.chain.registerDevice(d.Ax, d.Ay, '', (m) => signEddsaPoseidon(d.privateKey, m))
    await writeSignedBatchFile(join(dir, 'roof.ndjson'), { devices, metrics: ['co2'], readings: 30, seed: 2 })
    roof = await publishDataset(components, {
      file: join(dir, 'roof.ndjson'),
      title: 'Rooftop CO₂',
      licence: 'CC0-1.0',
      tags: ['outdoor', 'air'],
      listing: { price: 2n * 10n ** 18n, accessPeriod: 86_400n },
    })
    catalog = openCatalog(join(dir, 'catalog.sqlite'))
    indexer = newIndexer(catalog)
    await indexer.sync()
    server = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      catalog: { catalog, contentStore: components.contentStore },
    }).listen(0)
    await once(server, 'listening')
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  })
  after(async () => {
    server?.close()
    catalog?.close()
    provider?.destroy()
    await publisher?.stop()
  })

  it('indexes every anchored dataset with its manifest, listing, and the node’s verification of its proofs', () => {
    const entry = catalog.get(roof.datasetId)!
    expect(entry.manifestCid).to.equal(roof.manifestCid)
    expect([entry.title, entry.metrics, entry.deviceCount, entry.readings, entry.manifestStatus]).to.deep.equal([
      'Rooftop CO₂',
      ['co2'],
      2,
      roof.manifest.series.reduce((n, s) => n + s.count, 0),
      'ok',
    ])
    expect(entry.listing).to.deep.equal({
      price: (2n * 10n ** 18n).toString(),
      paymentToken: '0x0000000000000000000000000000000000000000',
      accessPeriod: 86_400,
      active: true,
    })
    expect(entry.verification.status, entry.verification.detail ?? '').to.equal('verified')
    // Verified, yet the proofs' setup lets anyone forge them: the verdict carries it.
    expect(entry.verification.setupWarning).to.equal(DEVELOPMENT_SETUP_WARNING)
    expect(entry.verification.detail).to.match(/ — development setup: anyone can forge these proofs$/)
    expect(entry.manifest?.commitments.root).to.equal(roof.root.toString())
    expect(catalog.get(office.datasetId)!.qualityScore).to.equal(Math.round(office.quality.score * 100) / 100)
  })

  it('searches full text and filters by metric, quality, price, time, devices, owner and listing', () => {
    const ids = (q: Parameters<Catalog['search']>[0]) => catalog.search(q).items.map((e) => e.datasetId)
    const [o, r] = [office.datasetId.toString(), roof.datasetId.toString()]
    expect(ids({})).to.deep.equal([r, o])
    expect(ids({ q: 'offi' })).to.deep.equal([o])
    expect(ids({ q: 'outdoor air' })).to.deep.equal([r])
    expect(ids({ q: 'humidity' })).to.deep.equal([o])
    expect(ids({ metric: 'co2' })).to.deep.equal([r, o])
    expect(ids({ metric: 'light' })).to.deep.equal([o])
    expect(ids({ unit: 'ppm', minDevices: 2 })).to.deep.equal([r])
    expect(ids({ maxPrice: 10n ** 17n })).to.deep.equal([o])
    expect(ids({ minPrice: 10n ** 18n })).to.deep.equal([r])
    expect(ids({ from: 1_767_225_600 })).to.deep.equal([r])
    expect(ids({ to: 1_500_000_000 })).to.deep.equal([o])
    expect(ids({ owner: publisher.wallet.address.toUpperCase().replace('0X', '0x') })).to.have.length(2)
    expect(ids({ minQuality: 99.9 })).to.deep.equal([])
    expect(ids({ sort: 'price' })).to.deep.equal([o, r])
    expect(catalog.search({ limit: 1, offset: 1 })).to.deep.include({ total: 2 })
    expect(ids({ limit: 1, offset: 1 })).to.deep.equal([o])
  })

  it('treats search text as words, never as FTS syntax', () => {
    expect(ftsQuery('" OR title:* NEAR(')).to.equal('"OR"* AND "title"* AND "NEAR"*')
    expect(ftsQuery('  --  ')).to.equal(undefined)
    expect(catalog.search({ q: '"); DROP TABLE datasets; --' }).total).to.equal(0)
  })

  it('follows purchases and rebuilds the same catalog from the chain when its database is deleted', async () => {
    const buyer = new NonceManager(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/2").connect(provider))
    await createChainClient(buyer, publisher.chain.deployment).buy(office.datasetId)
    await indexer.sync()
    expect(catalog.get(office.datasetId)!.purchases).to.equal(1)
    const path = join(publisher.dir, 'rebuilt.sqlite')
    await rm(path, { force: true })
    const rebuilt = openCatalog(path)
    try {
      await newIndexer(rebuilt).sync()
      const strip = (c: Catalog) => c.search({}).items
      expect(strip(rebuilt)).to.deep.equal(strip(catalog))
    } finally {
      rebuilt.close()
    }
  })

  it('marks a manifest that does not match its anchor as invalid', async () => {
    // The office manifest anchored again by the same owner with another root.
    const forged = await publisher.chain.publishDataset({
      manifestCid: office.manifestCid,
      root: 12345n,
      keyCommitment: BigInt(office.manifest.encryption.keyCommitment),
      qualityScore: 9000,
      statsDigest: `0x${'00'.repeat(32)}`,
      deviceIds: office.manifest.devices.map((d) => BigInt(d.deviceId)),
      parent: 0n,
      circuitId: 'sensor-stats-b16-v2',
    })
    await indexer.sync()
    const entry = catalog.get(forged.datasetId)!
    expect([entry.manifestStatus, entry.title, entry.verification.status]).to.deep.equal(['invalid', '', 'pending'])
  })

  it('answers a manifest anchored a moment ago by catching up with the chain, and nothing for an unknown or invalid dataset', async () => {
    // The office dataset anchored once more, exactly as before, and once with another root; the
    // indexer has not synced since.
    const anchorOffice = (root: bigint) =>
      publisher.chain.publishDataset({
        manifestCid: office.manifestCid,
        root,
        keyCommitment: BigInt(office.manifest.encryption.keyCommitment),
        qualityScore: 9000,
        statsDigest: statsDigestOf(office.manifest.stats),
        deviceIds: office.manifest.devices.map((d) => BigInt(d.deviceId)),
        parent: 0n,
        circuitId: 'sensor-stats-b16-v2',
      })
    const again = await anchorOffice(BigInt(office.manifest.commitments.root))
    const forged = await anchorOffice(777n)
    expect(catalog.get(again.datasetId)).to.equal(undefined)
    expect(await indexer.manifestOf(again.datasetId)).to.deep.equal(office.manifest)
    expect(catalog.get(again.datasetId)!.manifestStatus).to.equal('ok')
    expect(await indexer.manifestOf(forged.datasetId)).to.equal(undefined)
    expect(catalog.get(forged.datasetId)!.manifestStatus).to.equal('invalid')
    expect(await indexer.manifestOf(forged.datasetId + 1000n)).to.equal(undefined)
  })

  it('serves GET /datasets with filters, GET /datasets/:id and a cacheable preview; bad queries are 400', async () => {
    const get = async (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, url), { headers })
    const list = (await (await get('/datasets?metric=co2&minDevices=2&limit=5')).json()) as {
      total: number
      items: Array<{ datasetId: string }>
    }
    expect([list.total, list.items[0]!.datasetId]).to.deep.equal([1, roof.datasetId.toString()])
    const page = (await (await get(`/datasets/${roof.datasetId}`)).json()) as {
      manifest: { title: string }
      verification: { status: string }
    }
    expect([page.manifest.title, page.verification.status]).to.deep.equal(['Rooftop CO₂', 'verified'])
    const preview = await get(`/datasets/${roof.datasetId}/preview`)
    expect([preview.status, preview.headers.get('content-type'), preview.headers.get('cache-control')]).to.deep.equal([
      200,
      'image/png',
      'public, max-age=31536000, immutable',
    ])
    expect(
      Buffer.from(await preview.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).to.equal('PNG')
    expect((await get(`/datasets/${roof.datasetId}/preview`, { 'if-none-match': preview.headers.get('etag')! })).status).to.equal(304)
    for (const [path, message] of [
      ['/datasets?limit=1000', /^limit: /],
      ['/datasets?minPrice=abc', /^minPrice: must be a whole number/],
      ['/datasets?colour=red', /^colour: /],
      ['/datasets?owner=me', /^owner: must be a 0x address/],
      ['/datasets/abc', /^id: must be a dataset id/],
    ] as const) {
      const res = await get(path)
      const body = (await res.json()) as { error: { name: string; message: string } }
      expect([path, res.status, body.error.name]).to.deep.equal([path, 400, 'ValidationError'])
      expect(body.error.message).to.match(message)
    }
    expect((await get('/datasets/999')).status).to.equal(404)
  })

  it('serves the card thumbnail like the preview (by the anchored manifest’s CID, PNG, immutable), and 404 for a manifest without one', async () => {
    const get = async (path: string, headers: Record<string, string> = {}) => fetch(new URL(path, url), { headers })
    const thumbnailCid = roof.manifest.thumbnailCid!
    expect(catalog.get(roof.datasetId)!.thumbnailCid).to.equal(thumbnailCid)
    expect(catalog.search({ q: 'rooftop' }).items[0]!.thumbnailCid).to.equal(thumbnailCid)
    // The gateway serves it too: it is part of the dataset.
    expect(catalog.references(thumbnailCid)).to.equal(true)
    const thumbnail = await get(`/datasets/${roof.datasetId}/thumbnail`)
    expect([
      thumbnail.status,
      thumbnail.headers.get('content-type'),
      thumbnail.headers.get('cache-control'),
      thumbnail.headers.get('etag'),
    ]).to.deep.equal([200, 'image/png', 'public, max-age=31536000, immutable', `"${thumbnailCid}"`])
    const bytes = Buffer.from(await thumbnail.arrayBuffer())
    expect(await sharp(bytes).metadata()).to.include({ format: 'png', width: 720, height: 300 })
    expect(bytes.equals(Buffer.from(await publisher.components.contentStore.getBytes(CID.parse(thumbnailCid))))).to.equal(true)
    expect((await get(`/datasets/${roof.datasetId}/thumbnail`, { 'if-none-match': `"${thumbnailCid}"` })).status).to.equal(304)
    // A manifest written before thumbnails (the same dataset without one): listed, its preview served, no thumbnail.
    const { thumbnailCid: _dropped, ...older } = roof.manifest
    const id = await anchorManifest({ contentStore: publisher.components.contentStore, chain: publisher.chain }, older)
    await indexer.sync()
    expect([catalog.get(id)!.manifestStatus, catalog.get(id)!.thumbnailCid]).to.deep.equal(['ok', null])
    expect((await get(`/datasets/${id}/preview`)).status).to.equal(200)
    const missing = await get(`/datasets/${id}/thumbnail`)
    expect([missing.status, ((await missing.json()) as { error: { message: string } }).error.message]).to.deep.equal([
      404,
      `no thumbnail for dataset ${id}`,
    ])
    expect((await get('/datasets/999/thumbnail')).status).to.equal(404)
    expect((await get('/datasets/abc/thumbnail')).status).to.equal(400)
  })

  it('fails the proofs of a manifest that gives a series another of its devices or a narrower valid range, naming series and batch', async () => {
    // The office CSV (gateway-signed, valid ranges below zero clamped to the encoding) verifies.
    expect(catalog.get(office.datasetId)!.verification.status).to.equal('verified')
    const m = roof.manifest
    const node = { contentStore: publisher.components.contentStore, chain: publisher.chain }
    const otherDevice = await anchorManifest(node, {
      ...m,
      series: m.series.map((s, i) => (i === 0 ? { ...s, deviceId: m.series[1]!.deviceId } : s)),
    })
    const narrower = await anchorManifest(node, {
      ...m,
      stats: m.stats.map((st, i) => (i === 0 ? { ...st, range: { lo: 400, hi: 401 } } : st)),
    })
    await indexer.sync()
    expect([otherDevice, narrower].map((id) => catalog.get(id)!.verification)).to.deep.equal([
      {
        status: 'failed',
        detail: `series 0 batch 0: proven device id ${m.series[0]!.deviceId} is not the manifest's ${m.series[1]!.deviceId}`,
        setupWarning: null,
      },
      {
        status: 'failed',
        detail: "series 0 batch 0: proven valid range [250, 10000] is not the manifest's [400, 401]",
        setupWarning: null,
      },
    ])
  })

  it('marks a dataset proven with the retired circuit v1 as flawed, naming the flaw, though its proofs verify', async () => {
    // The committed v1 fixture (tests/fixtures/circuit-v1): its device registered, its bundle stored, its manifest anchored.
    const fixture = JSON.parse(await readFile(join('tests', 'fixtures', 'circuit-v1', 'dataset.json'), 'utf8')) as {
      manifest: Manifest
      bundle: unknown
    }
    const device = await deviceKeyFromPrivate(new Uint8Array(32).fill(7))
    await publisher.chain.registerDevice(device.Ax, device.Ay, 'v1 fixture', (m) => signEddsaPoseidon(device.privateKey, m))
    const bundleCid = await publisher.components.contentStore.putJson(fixture.bundle)
    const node = { contentStore: publisher.components.contentStore, chain: publisher.chain }
    const id = await anchorManifest(node, { ...fixture.manifest, proofs: { ...fixture.manifest.proofs, bundleCid: bundleCid.toString() } })
    await indexer.sync()
    const { status, detail } = catalog.get(id)!.verification
    expect(status).to.equal('flawed')
    expect(detail).to.equal(
      `2 batch proofs verify, but with retired circuit sensor-stats-b16-v1, which has a known soundness flaw: ${knownFlawOf('sensor-stats-b16-v1')}`,
    )
  })
})
