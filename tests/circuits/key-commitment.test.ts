import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { randomBytes } from 'node:crypto'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { expect } from 'chai'
import hardhat from 'hardhat'
import { groth16 } from 'snarkjs'
import {
  checkArtifact,
  computeKeyCommitment,
  generateProof,
  InvalidKeyError,
  KEY_COMMITMENT_CIRCUIT,
  sha256Hex,
  splitKey,
  verifyProof,
  WitnessError,
  type ProvingArtifacts,
  type VerificationKey,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { caught } from '../helpers/errors.js'

// Not in the default build until something uses it (trustless key delivery): built here from its
// own catalog, outside the committed manifest (cached by input hash like every circuit build).
const BUILD_DIR = join('build', 'key-commitment-test')
const run = promisify(execFile)

/** Compiles a generated verifier with the pinned solc, as Hardhat would. */
function compileVerifier(source: string, name: string): { abi: unknown[]; bytecode: string } {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const input = {
    language: 'Solidity',
    sources: { [`${name}.sol`]: { content: source } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string; formattedMessage: string }>
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>
  }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const c = out.contracts[`${name}.sol`]![name]!
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
}

describe('KeyCommitment circuit', function () {
  this.timeout(120_000)
  let circuit: ProvingArtifacts & { vkey: VerificationKey }
  let entry: { constraints: number; publicSignals: number; notForProduction: boolean; files: Record<string, string> }
  const key = new Uint8Array(randomBytes(32))
  const built = (file: string): string => join(BUILD_DIR, KEY_COMMITMENT_CIRCUIT, file)

  before(async () => {
    await run(process.execPath, [
      'node_modules/tsx/dist/cli.mjs',
      'scripts/build-circuits.ts',
      '--catalog',
      'tests/circuits/key-commitment.catalog.json',
      '--build-dir',
      BUILD_DIR,
    ])
    const manifest = JSON.parse(await readFile(join(BUILD_DIR, 'artifacts.json'), 'utf8')) as { circuits: Record<string, typeof entry> }
    entry = manifest.circuits[KEY_COMMITMENT_CIRCUIT]!
    const [wasm, zkey, vkey] = await Promise.all(
      ['main_js/main.wasm', 'main.zkey', 'vkey.json'].map(async (f) => new Uint8Array(await readFile(built(f)))),
    )
    // The build's own manifest pins its files, as the committed one pins the default build's.
    expect([await sha256Hex(wasm!), await sha256Hex(zkey!), await sha256Hex(vkey!)]).to.deep.equal([
      entry.files.wasm,
      entry.files.zkey,
      entry.files.vkey,
    ])
    circuit = {
      circuitId: KEY_COMMITMENT_CIRCUIT,
      wasm: wasm!,
      zkey: zkey!,
      vkey: JSON.parse(new TextDecoder().decode(vkey)) as VerificationKey,
    }
  })
  after(releaseProverThreads)

  it('records constraints and a dev-only setup in its build manifest', () => {
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

  it('is not in the default build, whose loader refuses it by name', async () => {
    const error = await caught(() => loadCircuit(KEY_COMMITMENT_CIRCUIT))
    expect([error.name, error.message]).to.deep.equal([
      'ArtifactError',
      `${KEY_COMMITMENT_CIRCUIT}: unknown circuit id (not in circuits/artifacts.json)`,
    ])
  })

  it('loaders refuse artifacts whose hash differs from the committed manifest', async () => {
    const id = 'sensor-stats-b16-v2'
    const dir = await mkdtemp(join(tmpdir(), 'assay-artifacts-'))
    try {
      await cp(join('build', 'circuits', id), join(dir, id), { recursive: true })
      await writeFile(join(dir, id, 'main.zkey'), 'not a zkey')
      const error = await caught(() => loadCircuit(id, { buildDir: dir }))
      expect(error).to.have.property('name', 'ArtifactError')
      expect(error.message).to.contain('main.zkey').and.contain('does not match the manifest')
      const error2 = await caught(() => checkArtifact(id, 'wasm', new Uint8Array([1, 2, 3])))
      expect(error2).to.have.property('name', 'ArtifactError')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('verifies the proof on-chain with the generated Solidity verifier (Hardhat network, ethers v6)', async () => {
    const { ethers } = hardhat
    const [deployer] = await ethers.getSigners()
    const { abi, bytecode } = compileVerifier(await readFile(built('KeyCommitmentVerifier.sol'), 'utf8'), 'KeyCommitmentVerifier')
    const factory = new ethers.ContractFactory(abi as never, bytecode, deployer)
    const verifier = await factory.deploy()
    await verifier.waitForDeployment()
    const { proof, publicSignals } = await generateProof(circuit, splitKey(key))
    const calldata = await groth16.exportSolidityCallData(proof, publicSignals)
    const [a, b, c, inputs] = JSON.parse(`[${calldata}]`) as [string[], string[][], string[], string[]]
    // Left untyped: this verifier is generated and compiled here at test time, not one of the
    // contracts/src ABIs contracts/generated/contract-types.ts is made from, so it has no interface.
    const verifyProofFn = verifier.getFunction('verifyProof')
    expect(await verifyProofFn(a, b, c, inputs, { gasLimit: 1_000_000 })).to.equal(true)
    const forged = [(BigInt(inputs[0]!) + 1n).toString()]
    expect(await verifyProofFn(a, b, c, forged, { gasLimit: 1_000_000 })).to.equal(false)
  })
})
