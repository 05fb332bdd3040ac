import { expect } from 'chai'
import { AbiCoder, keccak256, toUtf8Bytes, ZeroHash } from 'ethers'
import {
  computeBatchCommitment,
  computeDatasetRoot,
  createDeviceKey,
  generateProof,
  prepareBatch,
  proveBatchInclusion,
  sensorStatsParams,
  seriesIdOf,
  signBatch,
  signEddsaPoseidon,
  type DeviceKey,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { proofToCalldata, verifierSlotOf, type DatasetRegistry, type TypedContract } from '../../contracts/index.js'
import { loadFixture } from '../helpers/chain.js'
import { connected, deployTypedAssay } from '../helpers/typed-assay.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const STATS = `0x${'ab'.repeat(32)}`
type Registry = TypedContract<DatasetRegistry>

interface ProvenBatch {
  commitment: bigint
  proof: bigint[]
  publicSignals: bigint[]
}

describe('DatasetRegistry', function () {
  this.timeout(300_000)
  let alice: DeviceKey
  let bob: DeviceKey
  let batches: ProvenBatch[] // three batches by alice's device, one by bob's, one outside every dataset
  const slot = verifierSlotOf(CIRCUIT)

  async function prove(device: DeviceKey, index: number, nonce: bigint, last = false): Promise<ProvenBatch> {
    const params = sensorStatsParams(CIRCUIT)
    const batch = { values: [100n + BigInt(index), 200n, 150n], times: [1000n, 1060n, 1120n].map((t) => t + BigInt(index) * 200n) }
    const salt = 99n + BigInt(index)
    const commitment = await computeBatchCommitment(batch, salt, params)
    const band = { lo: 120n, hi: 180n }
    const meaning = { metric: 'temperature', unit: '°C', scale: 0, offset: 0, nonce }
    const seriesId = await seriesIdOf(device.deviceId, meaning, band)
    const batchIndex = BigInt(index)
    const signature = await signBatch(device, { commitment, seriesId, batchIndex, last })
    const prepared = await prepareBatch(batch, params, { ...band, meaning, batchIndex, last, salt, device, signature })
    const { proof, publicSignals } = await generateProof(await loadCircuit(CIRCUIT), prepared.input)
    return { commitment, proof: proofToCalldata(proof), publicSignals: publicSignals.map(BigInt) }
  }

  before(async () => {
    alice = await createDeviceKey()
    bob = await createDeviceKey()
    batches = [
      await prove(alice, 0, 5n),
      await prove(alice, 1, 5n),
      await prove(alice, 2, 5n),
      await prove(bob, 0, 6n, true),
      await prove(alice, 3, 5n, true),
    ]
  })
  after(releaseProverThreads)

  async function fixture() {
    const f = await deployTypedAssay()
    const [seller, other, assessor] = [f.signers[2]!, f.signers[3]!, f.signers[4]!]
    await f.client(seller).registerDevice(alice.Ax, alice.Ay, '', (m) => signEddsaPoseidon(alice.privateKey, m))
    await f.client(other).registerDevice(bob.Ax, bob.Ay, '', (m) => signEddsaPoseidon(bob.privateKey, m))
    await (await f.datasets.grantRole(await f.datasets.ASSESSOR_ROLE(), assessor.address)).wait()
    return { ...f, seller, other, assessor }
  }
  const publish = (
    c: Registry,
    over: Partial<{ cid: string; root: bigint; score: number; devices: bigint[]; parent: bigint; circuit: number }> = {},
  ) =>
    c.publish(
      over.cid ?? CID,
      over.root ?? 12345n,
      777n,
      over.score ?? 8700,
      STATS,
      over.devices ?? [alice.deviceId],
      over.parent ?? 0n,
      over.circuit ?? slot,
    )

  it('publishes: DatasetPublished with every field, three stored slots, and the anchor of CID, key and stats', async () => {
    const { datasets, seller } = await loadFixture(fixture)
    await expect(publish(connected(datasets, seller)))
      .to.emit(datasets, 'DatasetPublished')
      .withArgs(1n, seller.address, 0n, CID, 12345n, 777n, STATS, 8700, slot, [alice.deviceId])
    const record = await datasets.datasetOf(1n)
    expect(record.owner).to.equal(seller.address)
    expect(record.root).to.equal(12345n)
    expect(record.qualityScore).to.equal(8700n)
    const anchor = keccak256(
      AbiCoder.defaultAbiCoder().encode(['bytes32', 'uint256', 'bytes32'], [keccak256(toUtf8Bytes(CID)), 777n, STATS]),
    )
    expect(record.anchor).to.equal(anchor)
    expect(await datasets.computeAnchor(CID, 777n, STATS)).to.equal(anchor)
    expect(await datasets.hasDevice(1n, alice.deviceId)).to.equal(true)
    expect(await datasets.ownerOf(1n)).to.equal(seller.address)
    expect(await datasets.datasetCount()).to.equal(1n)
    await expect(datasets.ownerOf(2n)).to.be.revertedWithCustomError(datasets, 'UnknownDataset').withArgs(2n)
  })

  it('records versions: a parent of the same owner, never of another', async () => {
    const { datasets, seller, other } = await loadFixture(fixture)
    await publish(connected(datasets, seller))
    await expect(publish(connected(datasets, seller), { parent: 1n }))
      .to.emit(datasets, 'DatasetPublished')
      .withArgs(2n, seller.address, 1n, CID, 12345n, 777n, STATS, 8700, slot, [alice.deviceId])
    await expect(publish(connected(datasets, other), { parent: 1n, devices: [bob.deviceId] }))
      .to.be.revertedWithCustomError(datasets, 'NotDatasetOwner')
      .withArgs(1n, other.address)
    await expect(publish(connected(datasets, seller), { parent: 9n }))
      .to.be.revertedWithCustomError(datasets, 'UnknownDataset')
      .withArgs(9n)
  })

  it('rejects bad anchors with named errors', async () => {
    const { datasets, seller } = await loadFixture(fixture)
    const s = connected(datasets, seller)
    await expect(publish(s, { cid: '' })).to.be.revertedWithCustomError(datasets, 'EmptyManifestCid')
    await expect(publish(s, { root: 0n }))
      .to.be.revertedWithCustomError(datasets, 'InvalidRoot')
      .withArgs(0n)
    await expect(publish(s, { score: 10_001 }))
      .to.be.revertedWithCustomError(datasets, 'InvalidQualityScore')
      .withArgs(10_001)
    await expect(publish(s, { devices: [] })).to.be.revertedWithCustomError(datasets, 'NoDevices')
    await expect(publish(s, { devices: [alice.deviceId, alice.deviceId] }))
      .to.be.revertedWithCustomError(datasets, 'DuplicateDevice')
      .withArgs(alice.deviceId)
    await expect(publish(s, { circuit: 200 }))
      .to.be.revertedWithCustomError(datasets, 'UnknownCircuit')
      .withArgs(200)
  })

  it("rejects another owner's, an unregistered and a revoked device with DeviceNotAuthorised(deviceId, publisher)", async () => {
    const { datasets, devices, seller } = await loadFixture(fixture)
    for (const id of [bob.deviceId, 42n]) {
      await expect(publish(connected(datasets, seller), { devices: [id] }))
        .to.be.revertedWithCustomError(datasets, 'DeviceNotAuthorised')
        .withArgs(id, seller.address)
    }
    await (await connected(devices, seller).revoke(alice.deviceId)).wait()
    await expect(publish(connected(datasets, seller)))
      .to.be.revertedWithCustomError(datasets, 'DeviceNotAuthorised')
      .withArgs(alice.deviceId, seller.address)
  })

  it("accepts another owner's device once its owner authorised the publisher", async () => {
    const { datasets, devices, seller, other } = await loadFixture(fixture)
    await (await connected(devices, other).setPublisher(bob.deviceId, seller.address, true)).wait()
    await expect(publish(connected(datasets, seller), { devices: [alice.deviceId, bob.deviceId] })).to.emit(datasets, 'DatasetPublished')
  })

  it('takes quality attestations from assessors only', async () => {
    const { datasets, seller, assessor } = await loadFixture(fixture)
    await publish(connected(datasets, seller))
    await expect(connected(datasets, assessor).attestQuality(1n, 9100, 'bafyreport'))
      .to.emit(datasets, 'QualityAttested')
      .withArgs(1n, assessor.address, 9100, 'bafyreport')
    const attestation = await datasets.attestationOf(1n)
    expect([attestation.assessor, attestation.score]).to.deep.equal([assessor.address, 9100n])
    const role = await datasets.ASSESSOR_ROLE()
    await expect(connected(datasets, seller).attestQuality(1n, 10_000, 'x'))
      .to.be.revertedWithCustomError(datasets, 'AccessControlUnauthorizedAccount')
      .withArgs(seller.address, role)
    await expect(connected(datasets, assessor).attestQuality(2n, 1, 'x'))
      .to.be.revertedWithCustomError(datasets, 'UnknownDataset')
      .withArgs(2n)
    await expect(connected(datasets, assessor).attestQuality(1n, 10_001, 'x'))
      .to.be.revertedWithCustomError(datasets, 'InvalidQualityScore')
      .withArgs(10_001)
  })

  it('installs a verifier once per slot, only a contract, only with a setup record, only by the admin', async () => {
    const { datasets, deployment, seller } = await loadFixture(fixture)
    const installed = deployment.verifiers[CIRCUIT]!.address
    const record = `0x${'5e'.repeat(32)}`
    await expect(datasets.setVerifier(slot, installed, record))
      .to.be.revertedWithCustomError(datasets, 'VerifierAlreadySet')
      .withArgs(slot, installed)
    await expect(datasets.setVerifier(50, seller.address, record))
      .to.be.revertedWithCustomError(datasets, 'InvalidVerifier')
      .withArgs(seller.address)
    await expect(datasets.setVerifier(50, installed, ZeroHash))
      .to.be.revertedWithCustomError(datasets, 'MissingSetupRecord')
      .withArgs(50)
    await expect(connected(datasets, seller).setVerifier(50, installed, record)).to.be.revertedWithCustomError(
      datasets,
      'AccessControlUnauthorizedAccount',
    )
    expect(await datasets.setupRecords(slot)).to.equal(deployment.verifiers[CIRCUIT]!.setupRecord)
    await expect(datasets.setVerifier(50, installed, record))
      .to.emit(datasets, 'VerifierSet')
      .withArgs(50, installed, record)
    expect(await datasets.setupRecords(50)).to.equal(record)
  })

  describe('verifyBatch with real proofs from circuits/', () => {
    // Dataset: alice's three batches and bob's one in the root, but only alice's device named.
    async function published() {
      const f = await loadFixture(fixture)
      const leaves = batches.slice(0, 4).map((b) => b.commitment)
      await (await publish(connected(f.datasets, f.seller), { root: await computeDatasetRoot(leaves) })).wait()
      return { ...f, leaves }
    }
    const verify = async (datasets: Registry, b: ProvenBatch, leaves: bigint[], index: number, datasetId = 1n) => {
      const { siblings } = await proveBatchInclusion(leaves, index)
      return datasets.verifyBatch(datasetId, { proof: b.proof, publicSignals: b.publicSignals }, siblings, index)
    }

    it('accepts every batch of the dataset signed by a named device', async () => {
      const { datasets, leaves } = await published()
      for (const i of [0, 1, 2]) expect(await verify(datasets, batches[i]!, leaves, i)).to.equal(true)
    })

    it('rejects a tampered public signal with InvalidProof(datasetId)', async () => {
      const { datasets, leaves } = await published()
      const tampered = { ...batches[1]!, publicSignals: batches[1]!.publicSignals.map((s, i) => (i === 4 ? s + 1n : s)) }
      await expect(verify(datasets, tampered, leaves, 1))
        .to.be.revertedWithCustomError(datasets, 'InvalidProof')
        .withArgs(1n)
    })

    it('rejects a valid proof of a batch outside the dataset with CommitmentNotInDataset', async () => {
      const { datasets, leaves } = await published()
      await expect(verify(datasets, batches[4]!, [...leaves.slice(0, 3), batches[4]!.commitment], 3))
        .to.be.revertedWithCustomError(datasets, 'CommitmentNotInDataset')
        .withArgs(1n, batches[4]!.commitment)
    })

    it('rejects a batch in the root signed by a device the dataset does not name with DeviceNotInDataset', async () => {
      const { datasets, leaves } = await published()
      await expect(verify(datasets, batches[3]!, leaves, 3))
        .to.be.revertedWithCustomError(datasets, 'DeviceNotInDataset')
        .withArgs(1n, bob.deviceId)
    })

    it('rejects an unknown dataset with UnknownDataset', async () => {
      const { datasets, leaves } = await published()
      await expect(verify(datasets, batches[0]!, leaves, 0, 7n))
        .to.be.revertedWithCustomError(datasets, 'UnknownDataset')
        .withArgs(7n)
    })
  })
})
