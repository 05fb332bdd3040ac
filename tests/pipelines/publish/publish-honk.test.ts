import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import {
  BundleVerificationError,
  committedHonkKey,
  committedHonkKeyIds,
  getHonkCircuit,
  listHonkCircuits,
  parseProofBundle,
  proofKeyOf,
  proveBatchInclusion,
  readSetupRecordOfSlot,
  verifyDatasetProofs,
  verifyProofBundle,
  type HonkProofVerifier,
  type ProofBundle,
  type SetupRecordMismatchError,
  type SlotSetupRecord,
} from '../../../circuits/index.js'
import { loadCircuitVerificationKey } from '../../../circuits/node.js'
import { parseImportMapping, type Manifest } from '../../../core/index.js'
import { createDeviceKey, signEddsaPoseidon } from '../../../circuits/index.js'
import { writeSignedBatchFile } from '../../helpers/signed-file.js'
import { VerifierUnavailableError, type ChainClient } from '../../../contracts/index.js'
import { publishDataset, type PublishResult } from '../../../pipelines/index.js'
import type { ContentStore } from '../../../storage/index.js'
import { datasetPath } from '../../helpers/datasets.js'
import { caught } from '../../helpers/errors.js'
import { startTestPublisher, type TestPublisher } from '../../helpers/publisher.js'

const ROWS = 40
const HONK = 'sensor-stats-b16-v3-honk'

describe('publishing with UltraHonk (--prover honk): the Noir port proved by native bb, verified by the installed verifier', function () {
  this.timeout(600_000)
  let publisher: TestPublisher
  let store: ContentStore
  let chain: ChainClient
  let result: PublishResult
  let bundle: ProofBundle
  let setupRecord: SlotSetupRecord
  let slot: number
  let honkVerifier: HonkProofVerifier

  before(async () => {
    publisher = await startTestPublisher('publish-honk')
    chain = publisher.chain
    store = publisher.components.contentStore
    const lines = readFileSync(datasetPath('occupancy-room-2015.csv'), 'utf8').split('\n')
    const file = join(publisher.dir, 'office.csv')
    await writeFile(file, `${lines.slice(0, ROWS + 1).join('\n')}\n`)
    const mapping = JSON.parse(readFileSync('examples/occupancy-room-2015.mapping.json', 'utf8')) as { metrics: unknown[] }
    result = await publishDataset(publisher.components, {
      file,
      mapping: parseImportMapping({ ...mapping, metrics: mapping.metrics.slice(0, 1) }),
      title: 'Office temperature, proven with UltraHonk',
      licence: 'CC-BY-4.0',
      circuitId: 'sensor-stats-b16-v2',
      proofSystem: 'ultrahonk',
      createdAt: '2026-12-04T00:00:00.000Z',
    })
    bundle = parseProofBundle(await store.getJson(CID.parse(result.manifest.proofs.bundleCid)))
    slot = (await chain.datasetOf(result.datasetId)).circuit
    setupRecord = (await readSetupRecordOfSlot(slot, await chain.setupRecordOf(slot), HONK, (cid) => store.getBytes(cid))).record
    honkVerifier = (proof, signals) => chain.honkVerify(slot, proof, signals)
  })
  after(async () => {
    await publisher?.stop()
  })

  /** By the committed key (TypeScript verifier, what the catalog, audit and browser use), the installed contract, or neither. */
  const verify = async (manifest: Manifest, proofs: ProofBundle, by: 'key' | 'contract' | 'neither' = 'key') => {
    const { vkey, honkKey, vkeyHash } = await proofKeyOf(manifest.proofs.circuitId, (id) => loadCircuitVerificationKey(id))
    return verifyDatasetProofs(manifest, proofs, {
      ...(vkey !== undefined ? { vkey } : {}),
      vkeyHash,
      setupRecord,
      anchoredRoot: result.root,
      ...(by === 'key' && honkKey !== undefined ? { honkKey } : {}),
      ...(by === 'contract' ? { honkVerifier } : {}),
    })
  }
  const withProof = (index: number, change: (bytes: Buffer) => Buffer): ProofBundle => {
    const proof = bundle.batches[index]!.proof as { protocol: 'ultrahonk'; curve: 'bn128'; proof: string }
    const bytes = change(Buffer.from(proof.proof, 'base64'))
    return {
      ...bundle,
      batches: bundle.batches.map((b, i) => (i === index ? { ...b, proof: { ...proof, proof: bytes.toString('base64') } } : b)),
    }
  }

  it("records the proof system in the manifest, the Honk circuit's slot on-chain and its key in the bundle", async () => {
    expect(result.manifest.proofs).to.include({ circuitId: HONK, proofSystem: 'ultrahonk', vkeyHash: getHonkCircuit(HONK).files.vk })
    expect(await chain.proofSystemOf(slot)).to.equal('ultrahonk')
    expect(setupRecord).to.include({ format: 'assay.honk-setup-record/v1', circuitId: HONK })
    expect(bundle.batches).to.have.length(3) // 40 readings, 16 per batch
    for (const b of bundle.batches) expect(b.proof.protocol).to.equal('ultrahonk')
  })

  it('verifies through the shared verification function: every proof by the committed key and by the installed verifier, statements against the manifest', async () => {
    for (const by of ['key', 'contract'] as const) {
      const check = await verify(result.manifest, bundle, by)
      expect(check.ok, check.ok ? '' : `${by}: ${check.error.message}`).to.equal(true)
      if (!check.ok) return
      expect(check.setup.kind).to.equal('development')
      expect(check.verdict.series[0]!.count).to.equal(BigInt(ROWS))
    }
  })

  it('gives every UltraHonk circuit of the manifest its committed key, the one its setup record names', async () => {
    expect(committedHonkKeyIds().sort()).to.deep.equal(
      listHonkCircuits()
        .map(([id]) => id)
        .sort(),
    )
    for (const [id] of listHonkCircuits()) {
      const { honkKey, vkeyHash } = await proofKeyOf(id, () => Promise.reject(new Error('not a Groth16 circuit')))
      expect(honkKey?.logCircuitSize, id).to.be.a('number')
      expect(vkeyHash).to.equal(getHonkCircuit(id).files.vk)
    }
    const err = await caught(() => committedHonkKey('sensor-stats-16bit-b400-v2'))
    expect(err.name).to.equal('ArtifactError')
  })

  it('refuses a truncated Honk proof for its batch alone, by the committed key as by the contract', async () => {
    const forged = withProof(1, (b) => b.subarray(0, b.length - 32))
    for (const by of ['key', 'contract'] as const) {
      const check = await verify(result.manifest, forged, by)
      expect(check.ok, by).to.equal(false)
      if (check.ok) return
      expect((check.error as BundleVerificationError).problems, by).to.deep.equal([
        { batch: { series: 0, index: 1 }, problem: 'proof does not verify' },
      ])
    }
  })

  it('DatasetRegistry.verifyBatch accepts a Honk batch against the anchored root', async () => {
    const { siblings } = await proveBatchInclusion(result.manifest.commitments.batches.map(BigInt), 1)
    const b = bundle.batches[1]!
    expect(await chain.verifyBatch(result.datasetId, b.proof, b.publicSignals, siblings, 1)).to.equal(true)
  })

  it('rejects a Honk proof with one byte changed, and names the batch (by the committed key, as by the contract)', async () => {
    const forged = withProof(2, (b) => {
      b[200] = b[200]! ^ 1
      return b
    })
    for (const by of ['key', 'contract'] as const) {
      const check = await verify(result.manifest, forged, by)
      expect(check.ok, by).to.equal(false)
      if (check.ok) return
      expect(check.error).to.be.instanceOf(BundleVerificationError)
      expect((check.error as BundleVerificationError).problems, by).to.deep.equal([
        { batch: { series: 0, index: 2 }, problem: 'proof does not verify' },
      ])
    }
  })

  it('rejects a Groth16-shaped proof filed under the Honk circuit without verifying it', async () => {
    const groth16 = {
      pi_a: ['1', '2', '1'],
      pi_b: [
        ['1', '2'],
        ['3', '4'],
        ['1', '0'],
      ],
      pi_c: ['1', '2', '1'],
      protocol: 'groth16',
      curve: 'bn128',
    } as const
    const forged = { ...bundle, batches: bundle.batches.map((b, i) => (i === 0 ? { ...b, proof: groth16 } : b)) } as ProofBundle
    const verdict = await verifyProofBundle(forged, { vkeyHash: bundle.vkeyHash, honkVerifier })
    expect(verdict.problems).to.deep.equal([
      { batch: { series: 0, index: 0 }, problem: `a groth16 proof, but circuit ${HONK} is proven with ultrahonk` },
    ])
  })

  it('fails, naming why, when neither a key nor a verifier for UltraHonk proofs is given', async () => {
    const check = await verify(result.manifest, bundle, 'neither')
    expect(check.ok).to.equal(false)
    if (check.ok) return
    expect(check.error.message).to.include('no UltraHonk key or verifier was given for an UltraHonk bundle')
  })

  it('refuses a manifest that calls Honk proofs Groth16, and a bundle whose key is not the anchored record’s', async () => {
    const misnamed = await verify({ ...result.manifest, proofs: { ...result.manifest.proofs, proofSystem: 'groth16' } }, bundle)
    expect(misnamed.ok).to.equal(false)
    if (!misnamed.ok) expect(misnamed.error.name).to.equal('ManifestProofMismatchError')
    const otherKey = await verifyDatasetProofs(result.manifest, bundle, {
      vkeyHash: '0'.repeat(64),
      setupRecord,
      anchoredRoot: result.root,
      honkVerifier,
    })
    expect(otherKey.ok).to.equal(false)
    if (!otherKey.ok) expect(otherKey.error.name).to.equal('SetupRecordMismatchError')
  })

  it('refuses an anchored UltraHonk record that says other than the committed build (a "ceremony" CRS for the development key)', async () => {
    if (setupRecord.format !== 'assay.honk-setup-record/v1') throw new Error('expected an UltraHonk record')
    const { vkey, vkeyHash } = await proofKeyOf(HONK, (id) => loadCircuitVerificationKey(id))
    const check = await verifyDatasetProofs(result.manifest, bundle, {
      ...(vkey !== undefined ? { vkey } : {}),
      vkeyHash,
      setupRecord: { ...setupRecord, crs: { ...setupRecord.crs, source: 'ceremony' } },
      anchoredRoot: result.root,
      honkVerifier,
    })
    expect(check.ok).to.equal(false)
    if (!check.ok)
      expect([check.error.name, (check.error as SetupRecordMismatchError).field]).to.deep.equal(['SetupRecordMismatchError', 'record'])
  })

  it('throws, instead of calling the proofs forged, when the verifier gives no verdict (the RPC is down)', async () => {
    const down: HonkProofVerifier = () => Promise.reject(new VerifierUnavailableError(slot, { cause: new Error('connect ECONNREFUSED') }))
    const { vkeyHash } = await proofKeyOf(HONK, (id) => loadCircuitVerificationKey(id))
    const err = await caught(() =>
      verifyDatasetProofs(result.manifest, bundle, { vkeyHash, setupRecord, anchoredRoot: result.root, honkVerifier: down }),
    )
    expect([err.name, (err as VerifierUnavailableError).category]).to.deep.equal(['VerifierUnavailableError', 'unavailable'])
  })

  it('rejects a Honk proof that is not padded base64 at parsing (one encoding, one reading of the bytes)', () => {
    const honk = bundle.batches[0]!.proof as { proof: string }
    for (const bad of [honk.proof.replace(/=+$/, ''), `${honk.proof.slice(0, -4)}A*==`, `${honk.proof}====`]) {
      const unpadded = { protocol: 'ultrahonk', curve: 'bn128', proof: bad }
      expect(() => parseProofBundle({ ...bundle, batches: [{ ...bundle.batches[0]!, proof: unpadded }] })).to.throw('invalid proof bundle')
    }
  })

  it('rejects an oversized Honk proof at parsing, before anything is verified', () => {
    const huge = { protocol: 'ultrahonk', curve: 'bn128', proof: 'A'.repeat(20_000) }
    expect(() => parseProofBundle({ ...bundle, batches: [{ ...bundle.batches[0]!, proof: huge }] })).to.throw('invalid proof bundle')
  })

  describe("device-signed batch files: devices sign a circuit's commitments, so the file decides the system", () => {
    it('publishes a file signed for the UltraHonk circuit (commitment v3, B = 16) and verifies it', async () => {
      const device = { ...(await createDeviceKey()), label: 'attic' }
      await chain.registerDevice(device.Ax, device.Ay, '', (m) => signEddsaPoseidon(device.privateKey, m))
      const file = await writeSignedBatchFile(join(publisher.dir, 'attic-honk.ndjson'), {
        devices: [device],
        metrics: ['co2'],
        readings: 20,
        seed: 3,
        circuitId: HONK,
      })
      const signed = await publishDataset(publisher.components, { file, title: 'Attic CO₂, signed for UltraHonk', licence: 'CC-BY-4.0' })
      expect(signed.manifest.proofs).to.include({ circuitId: HONK, proofSystem: 'ultrahonk' })
      const proofs = parseProofBundle(await store.getJson(CID.parse(signed.manifest.proofs.bundleCid)))
      const { vkeyHash } = await proofKeyOf(HONK, (id) => loadCircuitVerificationKey(id))
      const verdict = await verifyDatasetProofs(signed.manifest, proofs, { vkeyHash, setupRecord, anchoredRoot: signed.root, honkVerifier })
      expect(verdict.ok).to.equal(true)
      if (!verdict.ok) return
      expect(verdict.verdict.problems).to.deep.equal([])
      expect(verdict.verdict.series[0]!.count).to.equal(20n)
      expect(proofs.batches).to.have.length(2)
    })

    it('refuses, by name and before proving, to prove a file signed for Groth16 with UltraHonk', async () => {
      const device = { ...(await createDeviceKey()), label: 'cellar' }
      const file = await writeSignedBatchFile(join(publisher.dir, 'cellar.ndjson'), {
        devices: [device],
        metrics: ['co2'],
        readings: 20,
        seed: 4,
      })
      const err = await caught(() =>
        publishDataset(publisher.components, { file, title: 'Cellar CO₂', licence: 'CC-BY-4.0', proofSystem: 'ultrahonk' }),
      )
      expect(err).to.include({ name: 'PublishError', stage: 'ingest', category: 'bad-input' })
      expect(err.cause).to.include({
        name: 'SignedForOtherSystemError',
        circuitId: 'sensor-stats-b16-v2',
        requested: 'ultrahonk',
      })
    })
  })
})
