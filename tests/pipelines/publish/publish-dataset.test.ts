import { execFileSync } from 'node:child_process'
import { createWriteStream, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { expect } from 'chai'
import sharp from 'sharp'
import type { HDNodeWallet } from 'ethers'
import { CID } from 'multiformats/cid'
import { parseProofBundle, proveBatchInclusion, verifyProofBundle } from '../../../circuits/index.js'
import { loadCircuit } from '../../../circuits/node.js'
import { parseImportMapping } from '../../../core/index.js'
import type { ChainClient } from '../../../contracts/index.js'
import {
  Publication,
  publishDataset,
  runPublication,
  type PublishComponents,
  type PublishProgress,
  type PublishResult,
} from '../../../pipelines/index.js'
import type { ContentStore, Keystore } from '../../../storage/index.js'
import { datasetPath } from '../../helpers/datasets.js'
import { caught } from '../../helpers/errors.js'
import { startTestPublisher, type TestPublisher } from '../../helpers/publisher.js'

const ROWS = 300

describe('publishing a file end to end (real Helia on disk, real anvil, production circuit)', function () {
  this.timeout(600_000)
  let publisher: TestPublisher
  let dir: string
  let store: ContentStore
  let keystore: Keystore
  let chain: ChainClient
  let wallet: HDNodeWallet
  let components: PublishComponents
  let slice: string
  let result: PublishResult
  const progress: PublishProgress[] = []

  before(async () => {
    publisher = await startTestPublisher('publish')
    ;({ dir, keystore, chain, wallet, components } = publisher)
    store = components.contentStore
    // The seller's file: the first rows of the occupancy file, as a file of its own.
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    slice = join(dir, 'office.csv')
    await writeFile(slice, `${lines.slice(0, ROWS + 1).join('\n')}\n`)
    result = await publishDataset(
      components,
      {
        file: slice,
        mapping: parseImportMapping(JSON.parse(await readFile('examples/occupancy-room-2015.mapping.json', 'utf8'))),
        title: 'Office room climate, 4 Feb 2015',
        licence: 'CC-BY-4.0',
        tags: ['indoor'],
        listing: { price: 10n ** 16n, accessPeriod: 86_400n },
        createdAt: '2026-11-22T00:00:00.000Z',
      },
      (p) => progress.push(p),
    )
  })
  after(async () => {
    await publisher?.stop()
  })

  it('goes through every stage in order and anchors the manifest, root and key commitment', async () => {
    expect([...new Set(progress.map((p) => p.stage))]).to.deep.equal(['ingest', 'prove', 'store', 'quality', 'preview', 'anchor', 'list'])
    expect(progress.filter((p) => p.stage === 'prove').at(-1)).to.deep.equal({ stage: 'prove', done: 5, total: 5 })
    const record = await chain.datasetOf(result.datasetId)
    expect(record.owner).to.equal(wallet.address)
    expect(record.root).to.equal(result.root)
    expect(record.root.toString()).to.equal(result.manifest.commitments.root)
    const anchor = await chain.datasetOf(result.datasetId)
    expect(anchor.qualityScore).to.equal(Math.round(result.quality.score * 100))
    const listing = await chain.listingOf(result.datasetId)
    expect([listing.price, listing.accessPeriod, listing.active]).to.deep.equal([10n ** 16n, 86_400n, true])
  })

  it('proves statistics equal to an independent computation over the same CSV rows', () => {
    const rows = readFileSync(slice, 'utf8').trim().split('\n').slice(1)
    const column = (i: number, scale: number) => rows.map((r) => Math.round(Number(r.split(',')[i]) * 10 ** scale) / 10 ** scale)
    const temperature = column(1, 2)
    const mean = temperature.reduce((a, b) => a + b, 0) / temperature.length
    const variance = temperature.reduce((a, b) => a + (b - mean) ** 2, 0) / temperature.length
    const stats = result.manifest.stats[0]!
    expect(stats.count).to.equal(ROWS)
    expect(stats.mean).to.be.closeTo(mean, 1e-9)
    expect(stats.variance).to.be.closeTo(variance, 1e-9)
    expect([stats.min, stats.max]).to.deep.equal([Math.min(...temperature), Math.max(...temperature)])
    expect(stats.inRangeShare).to.equal(1)
    expect(result.manifest.series.map((s) => s.metric)).to.deep.equal(['temperature', 'humidity', 'light', 'co2', 'humidity_ratio'])
  })

  it('stores a proof bundle that verifies against the anchored root and the gateway device, and one batch verifies on-chain', async () => {
    const bundle = parseProofBundle(await store.getJson(CID.parse(result.manifest.proofs.bundleCid)))
    const circuit = await loadCircuit(bundle.circuitId)
    const verdict = await verifyProofBundle(bundle, {
      vkey: circuit.vkey,
      vkeyHash: bundle.vkeyHash,
      expectedRoot: result.root,
      allowedDevices: new Set([BigInt(result.manifest.devices[0]!.deviceId)]),
    })
    expect(verdict.problems).to.deep.equal([])
    const commitments = result.manifest.commitments.batches.map(BigInt)
    const { siblings } = await proveBatchInclusion(commitments, 2)
    const b = bundle.batches[2]!
    expect(await chain.verifyBatch(result.datasetId, b.proof, b.publicSignals, siblings, 2)).to.equal(true)
  })

  it('stores the encrypted plaintext archive: with the data key it is a tar holding the source file byte for byte', async () => {
    const key = await keystore.get(`pub-${result.workspace.split('/').at(-1)}`)
    const tar = join(dir, 'plain.tar')
    await pipeline(Readable.from(store.cat(CID.parse(result.manifest.content.ciphertextCid), key)), createWriteStream(tar))
    const out = join(dir, 'out')
    await mkdir(out)
    execFileSync('tar', ['-xf', tar, '-C', out])
    expect(await readFile(join(out, 'source', 'office.csv'))).to.deep.equal(await readFile(slice))
    expect((await readFile(join(out, 'readings.ndjson'), 'utf8')).trim().split('\n')).to.have.length(5 * ROWS)
  })

  it('stores the quality report, a PNG preview and the card’s thumbnail, all linked from the manifest', async () => {
    const report = (await store.getJson(CID.parse(result.manifest.quality.reportCid))) as { score: number; signedBy: string }
    expect(report.score).to.equal(result.manifest.quality.score)
    expect(report.signedBy).to.equal('gateway')
    const png = await store.getBytes(CID.parse(result.manifest.previewCid!))
    expect(Buffer.from(png.subarray(1, 4)).toString()).to.equal('PNG')
    const thumbnail = await sharp(await store.getBytes(CID.parse(result.manifest.thumbnailCid!))).metadata()
    expect(thumbnail).to.include({ format: 'png', width: 720, height: 300 })
  })

  it('resumes a workspace without redoing finished stages, and never anchors the same manifest twice', async () => {
    // As if the process died after the anchor transaction was sent but before its result was saved.
    await rm(join(result.workspace, 'anchored.json'))
    await rm(join(result.workspace, 'listed.json'))
    const stages: string[] = []
    const again = await runPublication(components, new Publication(result.workspace), (p) => stages.push(p.stage))
    expect(again.alreadyAnchored).to.equal(true)
    expect(again.datasetId).to.equal(result.datasetId)
    expect(again.manifestCid).to.equal(result.manifestCid)
  })

  it('rejects a file with no usable reading as a PublishError at ingest, before anything is stored or sent', async () => {
    const empty = join(dir, 'empty.csv')
    await writeFile(empty, 'Date,Temperature\n"2015-02-04 17:51:00",NA\n')
    const before = (await store.list()).length
    const err = await caught(() =>
      publishDataset(components, {
        file: empty,
        mapping: parseImportMapping({
          version: 1,
          format: 'csv',
          timestamp: { columns: ['Date'], format: 'YYYY-MM-DD HH:mm:ss' },
          metrics: [{ column: 'Temperature' }],
        }),
        title: 'x',
        licence: 'CC0-1.0',
      }),
    )
    expect([err.name, (err as Error & { stage: string }).stage]).to.deep.equal(['PublishError', 'ingest'])
    expect((err.cause as Error).name).to.equal('NoReadingsError')
    expect((await store.list()).length).to.equal(before)
  })
})
