import { readFileSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { JsonRpcProvider, ZeroHash } from 'ethers'
import { DEVELOPMENT_SETUP_WARNING } from '../../circuits/index.js'
import { committedSetupRecords, loadCircuitVerificationKey } from '../../circuits/node.js'
import { parseImportMapping, type Manifest } from '../../core/index.js'
import { createChainClient } from '../../contracts/index.js'
import { publishDataset, type PublishResult } from '../../pipelines/index.js'
import { auditDataset, createAssayClient, type AuditOptions, type AuditReport } from '../../sdk/index.js'
import { anchorManifest } from '../helpers/anchor-manifest.js'
import { datasetPath } from '../helpers/datasets.js'
import { startTestPublisher, type TestPublisher } from '../helpers/publisher.js'
import { startTestGateway, type TestGateway } from '../helpers/gateway.js'

describe('auditDataset: the proofs check names what the manifest misstates (real anvil, Helia, trustless gateway)', function () {
  this.timeout(300_000)
  let publisher: TestPublisher
  let provider: JsonRpcProvider
  let gateway: TestGateway
  let url: string
  let published: PublishResult

  before(async () => {
    publisher = await startTestPublisher('audit')
    provider = new JsonRpcProvider(publisher.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
    // 20 rows of the office file, five metrics signed by the gateway; temperature's valid range
    // [-50, 60] °C encodes below zero, so its proofs count in [0, 60].
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    const file = join(publisher.dir, 'office.csv')
    await writeFile(file, `${lines.slice(0, 21).join('\n')}\n`)
    published = await publishDataset(publisher.components, {
      file,
      mapping: parseImportMapping(JSON.parse(await readFile('examples/occupancy-room-2015.mapping.json', 'utf8'))),
      title: 'Office room climate',
      licence: 'CC-BY-4.0',
      circuitId: 'sensor-stats-b16-v2',
    })
    // The node's trustless gateway, serving what it holds pinned: manifests, bundles, content.
    gateway = await startTestGateway(publisher.components.contentStore)
    url = gateway.url
  })
  after(async () => {
    gateway?.close()
    provider?.destroy()
    await publisher?.stop()
  })

  const audit = (
    datasetId: bigint,
    chain: AuditOptions['chain'] = createChainClient(provider, publisher.chain.deployment),
  ): Promise<AuditReport> =>
    auditDataset({
      client: createAssayClient({ node: url }),
      chain,
      provider,
      deployment: publisher.chain.deployment,
      verificationKey: (id) => loadCircuitVerificationKey(id),
      datasetId,
    })

  /** The checks that fail for a dataset, as `name: detail`. */
  async function failures(datasetId: bigint, chain?: AuditOptions['chain']): Promise<string[]> {
    const report = await audit(datasetId, chain)
    return report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`)
  }

  const anchor = (manifest: Manifest): Promise<bigint> =>
    anchorManifest({ contentStore: publisher.components.contentStore, chain: publisher.chain }, manifest)

  it('passes every check of the dataset as published', async () => {
    expect(await failures(published.datasetId)).to.deep.equal([])
  })

  it('carries the development setup and its warning on a passing proofs check', async () => {
    const report = await audit(published.datasetId)
    const proofs = report.checks.find((c) => c.name === 'proofs')!
    expect(proofs.ok).to.equal(true)
    expect(proofs.detail).to.match(/ — development setup: anyone can forge these proofs$/)
    expect(report.setup).to.deep.include({ kind: 'development', zkeySetup: 'dev-direct', warning: DEVELOPMENT_SETUP_WARNING })
    expect(report.setup?.ptau.source).to.equal('dev-seed')
  })

  it('fails the proofs check when the setup record anchored with the verifier is not the key’s, or there is none', async () => {
    const reader = createChainClient(provider, publisher.chain.deployment)
    const records = await committedSetupRecords()
    // A chain whose slot anchors another circuit's record (served by the node: every record is).
    const otherRecord = { ...reader, setupRecordOf: () => Promise.resolve(records['sensor-stats-16bit-b400-v2']!.digest) }
    const circuitId = published.manifest.proofs.circuitId
    expect(await failures(published.datasetId, otherRecord)).to.deep.equal([
      `proofs: SetupRecordMismatchError: the setup record anchored with the verifier is of circuit sensor-stats-16bit-b400-v2, but the proofs are of ${circuitId}`,
      'stats: CheckFailed: no verified proofs to compare with',
    ])
    const none = { ...reader, setupRecordOf: () => Promise.resolve(ZeroHash) }
    const slot = (await reader.datasetOf(published.datasetId)).circuit
    expect(await failures(published.datasetId, none)).to.deep.equal([
      `proofs: SetupRecordMissingError: circuit slot ${slot} anchors no setup record: nothing says where its verification key came from`,
      'stats: CheckFailed: no verified proofs to compare with',
    ])
  })

  it('fails the proofs check of a manifest that relabels a series’ id, and the stats check after it', async () => {
    const m = published.manifest
    const relabelled = (id: string) => (id === m.series[1]!.seriesId ? '12345' : id)
    const id = await anchor({
      ...m,
      series: m.series.map((s) => ({ ...s, seriesId: relabelled(s.seriesId) })),
      stats: m.stats.map((st) => ({ ...st, seriesId: relabelled(st.seriesId) })),
    })
    expect(await failures(id)).to.deep.equal([
      `proofs: CheckFailed: series 1 batch 0: proven series id ${m.series[1]!.seriesId} is not the manifest's 12345`,
      'stats: CheckFailed: no verified proofs to compare with',
    ])
  })

  it('fails the proofs check of a manifest that states a valid range the proofs did not count in', async () => {
    const m = published.manifest
    const id = await anchor({ ...m, stats: m.stats.map((st, i) => (i === 0 ? { ...st, range: { lo: 20, hi: 21 } } : st)) })
    expect(await failures(id)).to.deep.equal([
      "proofs: CheckFailed: series 0 batch 0: proven valid range [0, 60] is not the manifest's [20, 21]",
      'stats: CheckFailed: no verified proofs to compare with',
    ])
  })

  it('fails the proofs check of a manifest whose series count is not its batches’ counts', async () => {
    const m = published.manifest
    const stated = m.series[0]!.count
    const id = await anchor({ ...m, series: m.series.map((s, i) => (i === 0 ? { ...s, count: stated * 2 } : s)) })
    expect(await failures(id)).to.deep.equal([
      `proofs: CheckFailed: series 0: proven count ${stated} is not the manifest's ${stated * 2}`,
      'stats: CheckFailed: no verified proofs to compare with',
    ])
  })
})
