import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { expect } from 'chai'
import { publishCommand, simulateCommand, startNode, verifyCommand, type AssayNode } from '../../cli/index.js'
import { getHonkCircuit } from '../../circuits/index.js'
import { loadConfig } from '../../core/index.js'
import { caught } from '../helpers/errors.js'
import { publishSimulatedFeed } from '../helpers/publish-simulated-feed.js'

const quiet = { out: () => undefined, err: () => undefined }

describe('assay publish --prover honk through a running node: proved in its prover process, verified by its catalog and by assay verify', function () {
  this.timeout(600_000)
  let dir: string
  let node: AssayNode
  let datasetId: string
  const config = () => loadConfig({ ASSAY_DATA_DIR: join(dir, 'cli') })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-honk-journey-'))
    node = await startNode({ ...loadConfig({ ASSAY_DATA_DIR: join(dir, 'node') }), port: 0 }, () => undefined)
    // Signed for the UltraHonk test circuit: devices sign its commitments (v3), which only it proves.
    const published = await publishSimulatedFeed(node, dir, 'roof', {
      simulate: { metrics: 'temperature', readings: 40, seed: 5, circuit: 'sensor-stats-b16-v3-honk' },
      publish: { title: 'Roof temperature (UltraHonk)', prover: 'honk' },
    })
    datasetId = published.datasetId
  })
  after(async () => {
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it("names the Honk circuit and proof system in the manifest and verifies in the node's catalog (every proof by the TypeScript verifier with the committed key)", async () => {
    // State, not time: the catalog verifies in the background.
    const status = (): string | undefined => node.catalog.get(BigInt(datasetId))?.verification.status
    for (const deadline = Date.now() + 60_000; status() !== 'verified'; await sleep(200)) {
      expect(Date.now(), JSON.stringify(node.catalog.get(BigInt(datasetId))?.verification)).to.be.below(deadline)
      expect(status()).to.not.equal('failed')
    }
    const page = (await (await fetch(new URL(`/datasets/${datasetId}`, node.url))).json()) as {
      manifest: { proofs: { circuitId: string; proofSystem: string; vkeyHash: string } }
    }
    expect(page.manifest.proofs).to.include({
      circuitId: 'sensor-stats-b16-v3-honk',
      proofSystem: 'ultrahonk',
      vkeyHash: getHonkCircuit('sensor-stats-b16-v3-honk').files.vk,
    })
  })

  it('assay verify passes every check from the chain and content addressing alone, saying the setup is a development one', async () => {
    const lines: string[] = []
    const report = await verifyCommand(datasetId, config(), { node: node.url }, { out: (s) => lines.push(s) })
    expect(
      report.checks.map((c) => [c.name, c.ok]),
      lines.join('\n'),
    ).to.deep.equal([
      ['anchor', true],
      ['manifest', true],
      ['content', true],
      ['proofs', true],
      ['stats', true],
      ['on-chain verifier', true],
      ['devices', true],
      ['quality', true],
    ])
    expect(lines.find((l) => l.startsWith('✓ proofs: '))).to.match(
      /sensor-stats-b16-v3-honk.* — development setup: anyone can forge these proofs$/,
    )
    // Verified off-chain with the committed key; the slot's contract is checked to be the committed one too.
    expect(report.checks.find((c) => c.name === 'on-chain verifier')?.detail).to.match(/, by the committed UltraHonk verifier contract$/)
  })

  it('refuses an unknown prover by name before anything is uploaded', async () => {
    const err = await caught(() =>
      publishCommand(join(dir, 'roof.ndjson'), { node: node.url, operatorToken: node.operatorToken, title: 'x', prover: 'plonk' }, quiet),
    )
    expect([err.name, err.message]).to.deep.equal(['ConfigError', '--prover: "plonk" is not a prover: groth16 or honk'])
  })

  it("publishes a file signed for Groth16 without --prover on a node whose default is UltraHonk (the file's circuit decides)", async () => {
    const key = join(dir, 'roof.key.json')
    const file = join(dir, 'roof-again.ndjson')
    await simulateCommand(
      {
        out: file,
        devices: [key],
        metrics: 'temperature',
        readings: 20,
        interval: '300',
        start: '2026-03-05T00:00:00Z',
        seed: 6,
        circuit: 'sensor-stats-b16-v2',
      },
      quiet,
    )
    expect(config().proofSystem).to.equal('ultrahonk')
    const published = await publishCommand(
      file,
      { node: node.url, operatorToken: node.operatorToken, title: 'Roof temperature, no --prover' },
      quiet,
    )
    // State, not time: the catalog indexes the new dataset in the background.
    const id = BigInt(published!.datasetId)
    for (const deadline = Date.now() + 60_000; node.catalog.get(id)?.verification.status !== 'verified'; await sleep(200)) {
      expect(Date.now(), JSON.stringify(node.catalog.get(id)?.verification)).to.be.below(deadline)
      expect(node.catalog.get(id)?.verification.status).to.not.equal('failed')
    }
    const page = (await (await fetch(new URL(`/datasets/${published!.datasetId}`, node.url))).json()) as {
      manifest: { proofs: { circuitId: string; proofSystem?: string } }
    }
    expect(page.manifest.proofs.circuitId).to.equal('sensor-stats-b16-v2')
    expect(page.manifest.proofs.proofSystem ?? 'groth16').to.equal('groth16')
  })
})
