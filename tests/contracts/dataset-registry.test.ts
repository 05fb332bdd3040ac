import { expect } from 'chai'
import { AbiCoder, hexlify, keccak256, toUtf8Bytes, ZeroHash } from 'ethers'
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
import { committedSetupRecordDigests, loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import {
  batchProofBytes,
  assertCommittedHonkVerifier,
  createChainClient,
  datasetRegistryAbi,
  deployContracts,
  honkVerifierCodeHashes,
  typedContract,
  proofSystemValue,
  proofToCalldata,
  verifierSlotOf,
  type DatasetRegistry,
  type TypedContract,
} from '../../contracts/index.js'
import { caught } from '../helpers/errors.js'
import { loadFixture } from '../helpers/chain.js'
import { connected, deployTypedAssay } from '../helpers/typed-assay.js'
import { compileHonkVerifier, proveHonkBatch, type HonkBatch } from './honk-batch.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const STATS = `0x${'ab'.repeat(32)}`
const GROTH16 = proofSystemValue('groth16')
const ULTRAHONK = proofSystemValue('ultrahonk')
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
    expect(await datasets.anchorOf(1n)).to.equal(anchor)
    expect(await datasets.anchorOf(2n)).to.equal(`0x${'00'.repeat(32)}`)
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

  it('installs a verifier once per slot, only a contract, only with a setup record, only by the admin, recording its proof system', async () => {
    const { datasets, deployment, seller } = await loadFixture(fixture)
    const installed = deployment.verifiers[CIRCUIT]!.address
    const record = `0x${'5e'.repeat(32)}`
    await expect(datasets.setVerifier(slot, installed, record, ULTRAHONK))
      .to.be.revertedWithCustomError(datasets, 'VerifierAlreadySet')
      .withArgs(slot, installed)
    await expect(datasets.setVerifier(50, seller.address, record, GROTH16))
      .to.be.revertedWithCustomError(datasets, 'InvalidVerifier')
      .withArgs(seller.address)
    await expect(datasets.setVerifier(50, installed, ZeroHash, GROTH16))
      .to.be.revertedWithCustomError(datasets, 'MissingSetupRecord')
      .withArgs(50)
    await expect(connected(datasets, seller).setVerifier(50, installed, record, GROTH16)).to.be.revertedWithCustomError(
      datasets,
      'AccessControlUnauthorizedAccount',
    )
    // Not a ProofSystem: the ABI decoder refuses it (a plain revert, no data).
    await expect(datasets.setVerifier(50, installed, record, 2)).to.be.reverted
    expect(await datasets.setupRecords(slot)).to.equal(deployment.verifiers[CIRCUIT]!.setupRecord)
    expect(await datasets.proofSystems(slot)).to.equal(BigInt(GROTH16))
    expect(deployment.verifiers[CIRCUIT]!.system).to.equal('groth16')
    await expect(datasets.setVerifier(50, installed, record, GROTH16))
      .to.emit(datasets, 'VerifierSet')
      .withArgs(50, installed, record, GROTH16)
    expect(await datasets.setupRecords(50)).to.equal(record)
    await expect(datasets.setVerifier(51, installed, record, ULTRAHONK))
      .to.emit(datasets, 'VerifierSet')
      .withArgs(51, installed, record, ULTRAHONK)
    expect(await datasets.proofSystems(51)).to.equal(BigInt(ULTRAHONK))
    expect(await datasets.proofSystems(50)).to.equal(BigInt(GROTH16))
    expect(await datasets.proofSystems(52)).to.equal(BigInt(GROTH16)) // an empty slot reads as zero
    await expect(datasets.setVerifier(51, installed, record, GROTH16))
      .to.be.revertedWithCustomError(datasets, 'VerifierAlreadySet')
      .withArgs(51, installed)
    const client = createChainClient(seller, deployment)
    expect([await client.proofSystemOf(50), await client.proofSystemOf(51), await client.proofSystemOf(slot)]).to.deep.equal([
      'groth16',
      'ultrahonk',
      'groth16',
    ])
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
      return datasets.verifyBatch(datasetId, { proof: batchProofBytes(b.proof), publicSignals: b.publicSignals }, siblings, index)
    }

    it('accepts every batch of the dataset signed by a named device', async () => {
      const { datasets, leaves } = await published()
      for (const i of [0, 1, 2]) expect(await verify(datasets, batches[i]!, leaves, i)).to.equal(true)
    })

    it('takes the Groth16 proof as abi.encode(uint256[8]) and refuses any other length with MalformedProof(datasetId, length)', async () => {
      const { datasets, leaves, deployment, seller } = await published()
      const b = batches[1]!
      const { siblings } = await proveBatchInclusion(leaves, 1)
      const encoded = batchProofBytes(b.proof)
      expect(encoded).to.equal(AbiCoder.defaultAbiCoder().encode(['uint256[8]'], [b.proof]))
      expect((encoded.length - 2) / 2).to.equal(256)
      for (const proof of [encoded.slice(0, -2), `${encoded}00`, '0x']) {
        await expect(datasets.verifyBatch(1n, { proof, publicSignals: b.publicSignals }, siblings, 1))
          .to.be.revertedWithCustomError(datasets, 'MalformedProof')
          .withArgs(1n, (proof.length - 2) / 2)
      }
      // The chain client encodes a snarkjs proof object, a flat proof or bytes alike.
      const client = createChainClient(seller, deployment)
      expect(await client.verifyBatch(1n, b.proof, b.publicSignals, siblings, 1)).to.equal(true)
      expect(await client.verifyBatch(1n, encoded, b.publicSignals.map(String), siblings, 1)).to.equal(true)
      const err = await caught(() => client.verifyBatch(1n, encoded.slice(0, 66), b.publicSignals, siblings, 1))
      expect([err.name, (err as unknown as { errorName: string }).errorName]).to.deep.equal(['ContractError', 'MalformedProof'])
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

  describe('verifyBatch in an UltraHonk slot, with a real Honk proof (Noir sensor-stats-b16-v3, native bb)', () => {
    const HONK_SLOT = 60
    const RECORD = `0x${'4b'.repeat(32)}`
    let honk: HonkBatch
    let verifier: ReturnType<typeof compileHonkVerifier>

    before(async () => {
      const started = Date.now()
      honk = await proveHonkBatch(alice)
      verifier = compileHonkVerifier(honk.verifierSource)
      console.log(`      proved a Honk batch (${honk.proof.length} bytes) and compiled its verifier in ${Date.now() - started} ms`)
    })

    // bb's verifier in slot 60, and dataset 1 of alice's one Honk batch (root = its commitment), in that slot.
    async function honkFixture() {
      const f = await loadFixture(fixture)
      const address = await verifier.deploy(f.deployer)
      await expect(f.datasets.setVerifier(HONK_SLOT, address, RECORD, ULTRAHONK))
        .to.emit(f.datasets, 'VerifierSet')
        .withArgs(HONK_SLOT, address, RECORD, ULTRAHONK)
      await (await publish(connected(f.datasets, f.seller), { root: honk.commitment, circuit: HONK_SLOT })).wait()
      return { ...f, address }
    }
    const verifyHonk = (datasets: Registry, proof: string | Uint8Array, publicSignals = honk.publicSignals, datasetId = 1n) =>
      datasets.verifyBatch(datasetId, { proof: hexlify(proof), publicSignals }, [], 0)

    it('accepts the honest proof, with its six public signals as the program outputs them', async () => {
      const { datasets } = await loadFixture(honkFixture)
      expect(honk.publicSignals).to.have.length(6)
      expect(honk.publicSignals[0]).to.equal(honk.commitment)
      expect(honk.publicSignals[1]).to.equal(alice.deviceId)
      expect(await datasets.proofSystems(HONK_SLOT)).to.equal(BigInt(ULTRAHONK))
      expect(await verifyHonk(datasets, honk.proof)).to.equal(true)
      const gas = await datasets.verifyBatch.estimateGas(1n, { proof: hexlify(honk.proof), publicSignals: honk.publicSignals }, [], 0)
      console.log(`      verifyBatch (UltraHonk, Merkle depth 0): ${gas} gas`)
    })

    it('rejects a changed public signal, a changed proof byte and a truncated proof with InvalidProof(datasetId)', async () => {
      const { datasets } = await loadFixture(honkFixture)
      const flipped = (at: number) => {
        const p = Uint8Array.from(honk.proof)
        p[at] = p[at]! ^ 1
        return p
      }
      const rejected = [
        // sums with inRange + 1 (a claim the proof does not support), then the series changed.
        ['sums + 2^160', honk.proof, honk.publicSignals.map((s, i) => (i === 4 ? s + (1n << 160n) : s))],
        ['series + 1', honk.proof, honk.publicSignals.map((s, i) => (i === 2 ? s + 1n : s))],
        ['a byte of the first word', flipped(31), honk.publicSignals],
        ['a byte in the middle', flipped(Math.floor(honk.proof.length / 2)), honk.publicSignals],
        ['the last byte', flipped(honk.proof.length - 1), honk.publicSignals],
        ['truncated by one word', honk.proof.subarray(0, honk.proof.length - 32), honk.publicSignals],
        ['empty', new Uint8Array(0), honk.publicSignals],
        ['a Groth16 proof', batchProofBytes(batches[0]!.proof), honk.publicSignals],
      ] as const
      for (const [what, proof, signals] of rejected) {
        await expect(verifyHonk(datasets, proof, [...signals]), what)
          .to.be.revertedWithCustomError(datasets, 'InvalidProof')
          .withArgs(1n)
      }
    })

    it('runs the Merkle and device checks after the proof, as for Groth16', async () => {
      const { datasets, seller, other } = await loadFixture(honkFixture)
      // The same proof in a dataset whose root does not hold its commitment, and in one naming only bob.
      await (await publish(connected(datasets, seller), { root: 4242n, circuit: HONK_SLOT })).wait()
      await expect(verifyHonk(datasets, honk.proof, honk.publicSignals, 2n))
        .to.be.revertedWithCustomError(datasets, 'CommitmentNotInDataset')
        .withArgs(2n, honk.commitment)
      await (await publish(connected(datasets, other), { root: honk.commitment, circuit: HONK_SLOT, devices: [bob.deviceId] })).wait()
      await expect(verifyHonk(datasets, honk.proof, honk.publicSignals, 3n))
        .to.be.revertedWithCustomError(datasets, 'DeviceNotInDataset')
        .withArgs(3n, alice.deviceId)
    })

    it('a Honk proof in a Groth16 dataset is MalformedProof (not 256 bytes)', async () => {
      const { datasets, seller } = await loadFixture(honkFixture)
      await (await publish(connected(datasets, seller), { root: honk.commitment })).wait()
      await expect(verifyHonk(datasets, honk.proof, honk.publicSignals, 2n))
        .to.be.revertedWithCustomError(datasets, 'MalformedProof')
        .withArgs(2n, honk.proof.length)
    })

    it('the generated verifier (contracts/src/generated, linked by deployContracts) in its own slot accepts the proof', async function () {
      if (!('SensorStatsB16TestV3HonkVerifier' in honkVerifierCodeHashes)) this.skip() // not generated yet
      const { deployer, seller, signers } = await loadFixture(fixture)
      const deployment = await deployContracts(deployer, {
        setupRecords: { ...(await committedSetupRecordDigests()), 'sensor-stats-b16-v3-honk': RECORD },
      })
      const honkSlot = verifierSlotOf('sensor-stats-b16-v3-honk')
      expect(deployment.verifiers['sensor-stats-b16-v3-honk']).to.include({ slot: honkSlot, system: 'ultrahonk' })
      const client = createChainClient(seller, deployment)
      expect(await client.proofSystemOf(honkSlot)).to.equal('ultrahonk')
      // Its code and libraries are the committed verifier's (checked once), so eth_call's verdicts count.
      expect(await client.honkVerify(honkSlot, honk.proof, honk.publicSignals)).to.equal(true)
      expect(
        await client.honkVerify(
          honkSlot,
          honk.proof,
          honk.publicSignals.map((v, i) => (i === 3 ? v + 1n : v)),
        ),
      ).to.equal(false)
      expect(await client.honkVerify(honkSlot, honk.proof.subarray(0, 64), honk.publicSignals)).to.equal(false)
      // A Groth16 slot, an empty slot: no UltraHonk verifier there.
      const groth16 = await caught(() => client.honkVerify(verifierSlotOf('sensor-stats-b16-v2'), honk.proof, honk.publicSignals))
      expect([groth16.name, groth16.message]).to.deep.equal([
        'DeploymentError',
        `verifier slot ${verifierSlotOf('sensor-stats-b16-v2')} holds no UltraHonk verifier`,
      ])
      expect((await caught(() => client.honkVerify(99, honk.proof, honk.publicSignals))).name).to.equal('DeploymentError')
      // A fresh registry: register alice's device there, publish the batch in the Honk slot, check it on-chain.
      await client.registerDevice(alice.Ax, alice.Ay, '', (m) => signEddsaPoseidon(alice.privateKey, m))
      const { datasetId } = await client.publishDataset({
        manifestCid: CID,
        root: honk.commitment,
        keyCommitment: 1n,
        qualityScore: 9000,
        statsDigest: STATS,
        deviceIds: [alice.deviceId],
        circuitId: 'sensor-stats-b16-v3-honk',
      })
      expect(
        await client.verifyBatch(
          datasetId,
          { protocol: 'ultrahonk', proof: Buffer.from(honk.proof).toString('base64') },
          honk.publicSignals,
          [],
          0,
        ),
      ).to.equal(true)
      const registry = typedContract<DatasetRegistry>(deployment.contracts.datasetRegistry, datasetRegistryAbi, signers[0]!)
      const gas = await registry.verifyBatch.estimateGas(
        datasetId,
        { proof: hexlify(honk.proof), publicSignals: honk.publicSignals },
        [],
        0,
      )
      console.log(`      verifyBatch with the generated verifier (Merkle depth 0): ${gas} gas`)
    })

    it('the chain client: verifyBatch with Honk bytes (Uint8Array or hex); honkVerify refuses a verifier that is not the committed one', async () => {
      const { deployment, seller } = await loadFixture(honkFixture)
      const client = createChainClient(seller, deployment)
      expect(await client.proofSystemOf(HONK_SLOT)).to.equal('ultrahonk')
      expect(await client.verifyBatch(1n, honk.proof, honk.publicSignals, [], 0)).to.equal(true)
      expect(await client.verifyBatch(1n, hexlify(honk.proof), honk.publicSignals.map(String), [], 0)).to.equal(true)
      const tampered = honk.publicSignals.map((s, i) => (i === 4 ? s + 1n : s))
      const err = await caught(() => client.verifyBatch(1n, honk.proof, tampered, [], 0))
      expect([err.name, (err as unknown as { errorName: string }).errorName]).to.deep.equal(['ContractError', 'InvalidProof'])
      // Slot 60 is no committed UltraHonk slot: off-chain verifiers do not call it.
      expect((await caught(() => client.honkVerify(HONK_SLOT, honk.proof, honk.publicSignals))).name).to.equal('DeploymentError')
    })

    it("the check behind honkVerify: the committed verifier passes, bb's verifier for the same key compiled elsewhere is refused by name (VerifierCodeMismatchError)", async () => {
      const { datasets, deployer, address } = await loadFixture(honkFixture)
      const provider = deployer.provider!
      // Slot 8 holds the committed verifier (deployContracts, libraries linked at fresh addresses).
      const committed = await datasets.verifiers(verifierSlotOf('sensor-stats-b16-v3-honk'))
      await assertCommittedHonkVerifier(provider, committed, 'SensorStatsB16TestV3HonkVerifier')
      // The test's own build of bb's verifier accepts the proof on-chain, yet its code is not the
      // committed one: verdicts of it cannot be tied to the committed key.
      const err = await caught(() => assertCommittedHonkVerifier(provider, address, 'SensorStatsB16TestV3HonkVerifier'))
      expect(err.name).to.equal('VerifierCodeMismatchError')
      expect(err.message.startsWith(`the verifier at ${address} is not the committed SensorStatsB16TestV3HonkVerifier: `)).to.equal(true)
      // Another circuit's committed verifier is not this one either.
      const other = await datasets.verifiers(verifierSlotOf('sensor-stats-16bit-b1152-v3-honk'))
      expect((await caught(() => assertCommittedHonkVerifier(provider, other, 'SensorStatsB16TestV3HonkVerifier'))).name).to.equal(
        'VerifierCodeMismatchError',
      )
    })
  })
})
