import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { HDNodeWallet, JsonRpcProvider, NonceManager } from 'ethers'
import { createDeviceKey, listCircuits, signEddsaPoseidon } from '../../circuits/index.js'
import { DEV_MNEMONIC } from '../../core/index.js'
import { committedSetupRecordDigests } from '../../circuits/node.js'
import {
  contractsCodeHash,
  createChainClient,
  deployContracts,
  honkVerifierCodeHashes,
  installableVerifierSlots,
  VERIFIER_SLOTS,
  verifierSlotOf,
} from '../../contracts/index.js'
import { ensureDeployment, loadDeployment, startAnvil, type AnvilService } from '../../contracts/node.js'
import { caught } from '../helpers/errors.js'

describe('deploying on a real anvil process', function () {
  this.timeout(180_000)
  let dir: string
  let anvil: AnvilService | undefined
  let provider: JsonRpcProvider | undefined
  let setupRecords: Record<string, string>
  const account = (i: number) =>
    new NonceManager(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).connect(provider!))

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-anvil-'))
    setupRecords = await committedSetupRecordDigests()
  })
  afterEach(async () => {
    provider?.destroy()
    provider = undefined
    await anvil?.stop()
    anvil = undefined
  })
  after(() => rm(dir, { recursive: true, force: true }))

  async function chain(): Promise<void> {
    anvil = await startAnvil({ dataDir: dir })
    provider = new JsonRpcProvider(anvil.rpcUrl, undefined, { staticNetwork: true, pollingInterval: 100 })
  }
  const file = () => join(dir, 'chain', 'deployment.json')

  it('deploys once, saves the addresses, and a second start finds them (also after an anvil restart)', async () => {
    await chain()
    const first = await ensureDeployment(file(), account(0), { testStablecoin: true, setupRecords })
    expect(first.deployed).to.equal(true)
    expect(Object.keys(first.deployment.verifiers).sort()).to.deep.equal(
      installableVerifierSlots(setupRecords)
        .map((s) => s.circuitId)
        .sort(),
    )
    expect((await ensureDeployment(file(), account(0), { setupRecords })).deployed).to.equal(false)
    await anvil!.stop()
    anvil = undefined
    await chain() // same --state file
    expect(await loadDeployment(file(), account(0))).to.deep.equal(first.deployment)
  })

  it("anchors every circuit's setup record with its verifier, and refuses a saved deployment anchoring other records", async () => {
    await chain()
    const { deployment } = await ensureDeployment(file(), account(0), { testStablecoin: true, setupRecords })
    const reader = createChainClient(account(0), deployment)
    for (const { slot, circuitId } of installableVerifierSlots(setupRecords)) {
      expect(await reader.setupRecordOf(slot)).to.equal(setupRecords[circuitId])
      expect(deployment.verifiers[circuitId]!.setupRecord).to.equal(setupRecords[circuitId])
    }
    const other = { ...setupRecords, 'sensor-stats-b16-v2': `0x${'cd'.repeat(32)}` }
    const refused = await caught(() => ensureDeployment(file(), account(0), { testStablecoin: true, setupRecords: other }))
    expect([refused.name, refused.message]).to.include.members(['DeploymentError'])
    expect(refused.message).to.contain('anchors other setup records for sensor-stats-b16-v2')
    const { [VERIFIER_SLOTS[0].circuitId]: _, ...lacking } = setupRecords
    const missing = await caught(() => deployContracts(account(0), { setupRecords: lacking }))
    expect([missing.name, missing.message]).to.include.members(['DeploymentError'])
    expect(missing.message).to.contain(`no setup record digest for circuit ${VERIFIER_SLOTS[0].circuitId}`)
  })

  it('registers, publishes, lists and sells to a second account through the chain client', async () => {
    await chain()
    const { deployment } = await ensureDeployment(file(), account(0), { testStablecoin: true, setupRecords })
    const seller = createChainClient(account(1), deployment)
    const buyer = createChainClient(account(2), deployment)
    const device = await createDeviceKey()
    const { deviceId } = await seller.registerDevice(device.Ax, device.Ay, 'ipfs://meta', (m) => signEddsaPoseidon(device.privateKey, m))
    expect(deviceId).to.equal(device.deviceId)
    const { datasetId } = await seller.publishDataset({
      manifestCid: 'bafymanifest',
      root: 5n,
      keyCommitment: 6n,
      qualityScore: 9000,
      statsDigest: `0x${'11'.repeat(32)}`,
      deviceIds: [deviceId],
      circuitId: 'sensor-stats-16bit-b400-v2',
    })
    expect((await seller.datasetOf(datasetId)).circuit).to.equal(verifierSlotOf('sensor-stats-16bit-b400-v2'))
    await seller.list({ datasetId, price: 10n ** 16n })
    await buyer.buy(datasetId)
    const buyerAddress = await account(2).getAddress()
    expect(await buyer.hasAccess(buyerAddress, datasetId)).to.equal(true)
    const paid = await seller.withdraw()
    expect(paid.amount).to.equal((10n ** 16n * 9750n) / 10_000n)
  })

  it('refuses a saved deployment for another chain or with contracts missing, with DeploymentError', async () => {
    await chain()
    await ensureDeployment(file(), account(0), { setupRecords })
    const saved = JSON.parse(await readFile(file(), 'utf8')) as { chainId: number; contracts: { dataMarket: string } }
    await writeFile(join(dir, 'other-chain.json'), JSON.stringify({ ...saved, chainId: 5 }))
    const wrongChain = await caught(() => loadDeployment(join(dir, 'other-chain.json'), account(0)))
    expect([wrongChain.name, wrongChain.message]).to.deep.include.members(['DeploymentError'])
    expect(wrongChain.message).to.contain('is for chain 5')
    await writeFile(
      join(dir, 'gone.json'),
      JSON.stringify({ ...saved, contracts: { ...saved.contracts, dataMarket: `0x${'12'.repeat(20)}` } }),
    )
    expect((await caught(() => loadDeployment(join(dir, 'gone.json'), account(0)))).message).to.contain('no contract at')
    expect((await caught(() => loadDeployment(join(dir, 'missing.json'), account(0)))).message).to.contain('run `assay deploy`')
  })

  it('refuses a deployment made from other contract code, or recording none; the embedded chain deploys afresh', async () => {
    await chain()
    const { deployment } = await ensureDeployment(file(), account(0), { testStablecoin: true, setupRecords })
    expect(deployment.codeHash).to.equal(contractsCodeHash({ testStablecoin: true, circuits: Object.keys(deployment.verifiers) }))
    const { codeHash: _, ...unrecorded } = deployment
    await writeFile(join(dir, 'old.json'), JSON.stringify({ ...deployment, codeHash: `0x${'ab'.repeat(32)}` }))
    await writeFile(join(dir, 'unrecorded.json'), JSON.stringify(unrecorded))
    const old = await caught(() => loadDeployment(join(dir, 'old.json'), account(0)))
    expect([old.name, old.message]).to.include.members(['DeploymentError'])
    expect(old.message)
      .to.contain(`was deployed from contract code 0x${'ab'.repeat(32)}`)
      .and.contain('deploy again')
    expect((await caught(() => loadDeployment(join(dir, 'unrecorded.json'), account(0)))).message).to.contain('records no code hash')
    const logged: string[] = []
    const again = await ensureDeployment(join(dir, 'old.json'), account(0), {
      testStablecoin: true,
      setupRecords,
      redeployIfMissing: true,
      log: (m) => logged.push(m),
    })
    expect(again.deployed).to.equal(true)
    expect(again.deployment.contracts.dataMarket).to.not.equal(deployment.contracts.dataMarket)
    expect(logged[0]).to.contain('was deployed from contract code').and.contain('deploying afresh')
    expect(await loadDeployment(join(dir, 'old.json'), account(0))).to.deep.equal(again.deployment)
  })

  it('has a Groth16 verifier slot for every SensorStats circuit of the catalog (retired v1 ones too), with its generated contract', () => {
    const stats = listCircuits().filter(([, e]) => e.template.startsWith('SensorStats'))
    const groth16 = VERIFIER_SLOTS.filter((s) => s.system === 'groth16')
    expect(groth16.map((s) => s.circuitId).sort()).to.deep.equal(stats.map(([id]) => id).sort())
    for (const [id, entry] of stats) expect(groth16.find((s) => s.circuitId === id)?.contract).to.equal(entry.verifier)
  })

  it('installs each built UltraHonk verifier with its libraries linked, in its slot, when it has a setup record', async function () {
    const built = VERIFIER_SLOTS.filter((s) => s.system === 'ultrahonk' && s.contract in honkVerifierCodeHashes)
    if (built.length === 0) this.skip() // contracts/src/generated holds no Honk verifier yet
    await chain()
    // The committed records where the circuits record one, stand-ins otherwise.
    const honkRecords = Object.fromEntries(
      built.map((s, i) => [s.circuitId, setupRecords[s.circuitId] ?? `0x${(0x70 + i).toString(16).repeat(32)}`]),
    )
    const logged: string[] = []
    const honkFile = join(dir, 'chain', 'honk-deployment.json')
    const { deployment } = await ensureDeployment(honkFile, account(0), {
      setupRecords: { ...setupRecords, ...honkRecords },
      log: (m) => logged.push(m),
    })
    const reader = createChainClient(account(0), deployment)
    for (const { slot, circuitId, contract } of built) {
      expect(deployment.verifiers[circuitId]).to.include({ slot, setupRecord: honkRecords[circuitId], system: 'ultrahonk' })
      expect(await reader.proofSystemOf(slot)).to.equal('ultrahonk')
      expect(await reader.setupRecordOf(slot)).to.equal(honkRecords[circuitId])
      expect(logged.some((m) => m.startsWith(`${contract}_`) && m.includes(`(library of ${contract})`))).to.equal(true)
      // bb's verifier refuses an empty proof by reverting: honkVerify says false, so the linked code runs.
      expect(await reader.honkVerify(slot, new Uint8Array(0), [1n, 2n, 3n, 4n, 5n, 6n])).to.equal(false)
    }
    expect(await reader.proofSystemOf(verifierSlotOf('sensor-stats-b16-v2'))).to.equal('groth16')
    expect(deployment.codeHash).to.equal(contractsCodeHash({ testStablecoin: false, circuits: Object.keys(deployment.verifiers) }))
    const groth16Only = VERIFIER_SLOTS.filter((s) => s.system === 'groth16').map((s) => s.circuitId)
    expect(deployment.codeHash).to.not.equal(contractsCodeHash({ testStablecoin: false, circuits: groth16Only }))
    // Found again by the next start.
    expect((await ensureDeployment(honkFile, account(0), { setupRecords: { ...setupRecords, ...honkRecords } })).deployed).to.equal(false)
  })
})
