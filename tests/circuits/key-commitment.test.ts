import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import hardhat from 'hardhat'
import { groth16 } from 'snarkjs'
import {
  checkArtifact,
  computeKeyCommitment,
  generateProof,
  getCircuitManifest,
  InvalidKeyError,
  KEY_COMMITMENT_CIRCUIT,
  splitKey,
  verifyProof,
  WitnessError,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { keyCommitmentVerifierAbi, keyCommitmentVerifierBytecode } from '../../contracts/index.js'
import { caught } from '../helpers/errors.js'

describe('KeyCommitment circuit', function () {
  this.timeout(120_000)
  let circuit: Awaited<ReturnType<typeof loadCircuit>>
  const key = new Uint8Array(randomBytes(32))

  before(async () => {
    circuit = await loadCircuit(KEY_COMMITMENT_CIRCUIT)
  })
  after(releaseProverThreads)

  it('records constraints and a dev-only setup in the committed manifest', () => {
    const entry = getCircuitManifest(KEY_COMMITMENT_CIRCUIT)
    expect(entry.constraints).to.be.greaterThan(256) // two 128-bit range checks at least
    expect(entry.publicSignals).to.equal(1)
    expect(entry.notForProduction).to.equal(true)
  })

  it('proves a key commitment that equals the circomlibjs mirror and verifies', async () => {
    const { proof, publicSignals } = await generateProof(circuit, splitKey(key))
    expect(publicSignals).to.deep.equal([(await computeKeyCommitment(key)).toString()])
    expect(await verifyProof(circuit.vkey, publicSignals, proof)).to.equal(true)
  })

  it('rejects the proof when its public signal is tampered with', async () => {
    const { proof, publicSignals } = await generateProof(circuit, splitKey(key))
    const forged = [(BigInt(publicSignals[0]!) + 1n).toString()]
    expect(await verifyProof(circuit.vkey, forged, proof)).to.equal(false)
  })

  it('refuses a witness whose limb exceeds 128 bits (no second encoding of a key)', async () => {
    const { keyHi, keyLo } = splitKey(key)
    // Without the range check a prover could pick limbs that are no 32-byte key at all.
    const forged = { keyHi, keyLo: keyLo + (1n << 128n) }
    try {
      await generateProof(circuit, forged)
      expect.fail('a limb of 129 bits must not produce a witness')
    } catch (err) {
      expect(err).to.be.instanceOf(WitnessError)
      expect((err as WitnessError).circuitId).to.equal(KEY_COMMITMENT_CIRCUIT)
    }
  })

  it('splits keys big-endian and rejects keys that are not 32 bytes', () => {
    const k = new Uint8Array(32)
    k[0] = 1
    k[31] = 2
    expect(splitKey(k)).to.deep.equal({ keyHi: 1n << 120n, keyLo: 2n })
    expect(() => splitKey(new Uint8Array(31))).to.throw(InvalidKeyError, '32 bytes')
  })

  it('refuses artifacts whose hash differs from the manifest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'assay-artifacts-'))
    try {
      await cp(join('build', 'circuits', KEY_COMMITMENT_CIRCUIT), join(dir, KEY_COMMITMENT_CIRCUIT), { recursive: true })
      await writeFile(join(dir, KEY_COMMITMENT_CIRCUIT, 'main.zkey'), 'not a zkey')
      const error = await caught(() => loadCircuit(KEY_COMMITMENT_CIRCUIT, { buildDir: dir }))
      expect(error).to.have.property('name', 'ArtifactError')
      expect(error.message).to.contain('main.zkey').and.contain('does not match the manifest')
      const error2 = await caught(() => checkArtifact(KEY_COMMITMENT_CIRCUIT, 'wasm', new Uint8Array([1, 2, 3])))
      expect(error2).to.have.property('name', 'ArtifactError')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('verifies the proof on-chain with the generated Solidity verifier (Hardhat network, ethers v6)', async () => {
    const { ethers } = hardhat
    const [deployer] = await ethers.getSigners()
    const factory = new ethers.ContractFactory(keyCommitmentVerifierAbi, keyCommitmentVerifierBytecode, deployer)
    const verifier = await factory.deploy()
    await verifier.waitForDeployment()
    const { proof, publicSignals } = await generateProof(circuit, splitKey(key))
    const calldata = await groth16.exportSolidityCallData(proof, publicSignals)
    const [a, b, c, inputs] = JSON.parse(`[${calldata}]`) as [string[], string[][], string[], string[]]
    const verifyProofFn = verifier.getFunction('verifyProof')
    expect(await verifyProofFn(a, b, c, inputs, { gasLimit: 1_000_000 })).to.equal(true)
    const forged = [(BigInt(inputs[0]!) + 1n).toString()]
    expect(await verifyProofFn(a, b, c, forged, { gasLimit: 1_000_000 })).to.equal(false)
  })
})
