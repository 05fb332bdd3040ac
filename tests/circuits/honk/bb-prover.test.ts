import { createRequire } from 'node:module'
import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import hardhat from 'hardhat'
import {
  BB_G2_FILE,
  compileNoir,
  createBbProver,
  CrsError,
  executeNoir,
  findBbBinary,
  NoirWitnessError,
  noirProject,
  runBb,
  solidityVerifierForCrs,
  type BbCrs,
  type BbProver,
  type HonkProof,
  type NoirProgram,
  type RunBb,
} from '../../../circuits/node.js'
import { testCrs } from './dev-crs.js'

const SUM_RANGE = noirProject('sum-range')
const READINGS = ['1', '2', '3', '4', '5', '6', '7', '65535']
const TOTAL = String(28 + 65535)

interface CompiledContract {
  abi: unknown[]
  evm: { bytecode: { object: string; linkReferences: Record<string, Record<string, Array<{ start: number; length: number }>>> } }
}

/** Every contract of one Solidity source (bb's verifier holds libraries with external functions). */
function compileSolidity(source: string): Record<string, CompiledContract> {
  const solc = createRequire(import.meta.url)('solc') as { compile(input: string): string }
  const input = {
    language: 'Solidity',
    sources: { 'Verifier.sol': { content: source } },
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 1 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.bytecode.linkReferences'] } },
    },
  }
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: Array<{ severity: string; formattedMessage: string }>
    contracts: Record<string, Record<string, CompiledContract>>
  }
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  return out.contracts['Verifier.sol']!
}

const words = (b: Uint8Array): string[] =>
  Array.from({ length: b.length / 32 }, (_, i) => `0x${Buffer.from(b.subarray(32 * i, 32 * i + 32)).toString('hex')}`)

describe('UltraHonk with native bb over our CRS (sum of range-checked readings)', function () {
  this.timeout(180_000)
  let crs: BbCrs
  let home: string
  let program: NoirProgram
  let prover: BbProver
  let proof: HonkProof
  const stderr: string[] = []
  const timings: Record<string, number> = {}

  before(async () => {
    crs = testCrs()
    // bb must never reach ~/.bb-crs or the network: a fresh HOME, and every run's log kept.
    home = await mkdtemp(join(tmpdir(), 'assay-bb-home-'))
    const run: RunBb = async (bb, args, env) => {
      const result = await runBb(bb, args, { ...env, HOME: home })
      stderr.push(result.stderr)
      return result
    }
    prover = createBbProver({ bb: findBbBinary(), crsDir: crs.dir, crsPoints: crs.points, run })
    let t = Date.now()
    program = await compileNoir(SUM_RANGE)
    timings.compile = Date.now() - t
    t = Date.now()
    const { witness } = await executeNoir(program, { readings: READINGS, total: TOTAL })
    timings.witness = Date.now() - t
    t = Date.now()
    proof = await prover.prove(program, witness, 'evm')
    timings.prove = Date.now() - t
  })
  after(async () => {
    console.log(`      timings (ms): ${JSON.stringify(timings)}`)
    await rm(home, { recursive: true, force: true })
  })

  it('refuses a reading of 2^16 or a wrong total before any proof (no witness)', async () => {
    const forged = [...READINGS.slice(0, 7), '65536']
    const err = await executeNoir(program, { readings: forged, total: String(28 + 65536) }).catch((e: unknown) => e)
    expect(err).to.be.instanceOf(NoirWitnessError).and.have.property('category', 'bad-input')
    const wrongTotal = await executeNoir(program, { readings: READINGS, total: '1' }).catch((e: unknown) => e)
    expect(wrongTotal).to.be.instanceOf(NoirWitnessError)
  })

  it('proves with our CRS only: bb reads it from the given folder and downloads nothing', () => {
    expect(proof.proof.length).to.be.greaterThan(1000)
    expect(words(proof.publicInputs)).to.deep.equal([`0x${BigInt(TOTAL).toString(16).padStart(64, '0')}`])
    const log = stderr.join('\n')
    expect(log).to.contain(`using cached uncompressed bn254 crs with ${crs.points} points`).and.contain(crs.dir)
    expect(log).not.to.match(/download|http/i)
  })

  it('counts the gates of the circuit', async () => {
    const gates = await prover.gates(program)
    console.log(`      circuit size ${gates}, proof ${proof.proof.length} bytes`)
    expect(gates).to.be.within(100, 4096)
  })

  it('refuses to prove when the CRS is too small, before bb could fetch more', async () => {
    const calls: string[][] = []
    const small = createBbProver({
      bb: findBbBinary(),
      crsDir: crs.dir,
      crsPoints: 1024,
      run: async (bb, args, env) => {
        calls.push(args)
        return runBb(bb, args, { ...env, HOME: home })
      },
    })
    const { witness } = await executeNoir(program, { readings: READINGS, total: TOTAL })
    const err = await small.prove(program, witness).catch((e: unknown) => e)
    expect(err).to.be.instanceOf(CrsError)
    expect(calls.map((a) => a[0])).to.deep.equal(['gates'])
  })

  it("is rejected by native bb verify, which pins Aztec's [x]_2 (bb 5): a tripwire for docs/honk-backend.md", async () => {
    // An honest proof under any CRS but Aztec's fails bb's pairing check. Should this start
    // passing, bb reads our G2 again: verify natively and drop the Solidity route below.
    expect(await prover.verify(proof)).to.equal(false)
    expect(stderr.at(-1)).to.contain('pairing check: false').and.contain('sumcheck_verified: true')
  })

  describe("bb's Solidity verifier with the CRS's tau·G2 (Hardhat network)", () => {
    let verify: (proofBytes: Uint8Array, inputs: string[]) => Promise<boolean>
    let canonical: (proofBytes: Uint8Array, inputs: string[]) => Promise<boolean>

    before(async () => {
      const source = await prover.solidityVerifier(proof.vk)
      const g2 = readFileSync(join(crs.dir, BB_G2_FILE))
      const { ethers } = hardhat
      const [deployer] = await ethers.getSigners()
      const deploy = async (src: string): Promise<(p: Uint8Array, i: string[]) => Promise<boolean>> => {
        const contracts = compileSolidity(src)
        const addresses = new Map<string, string>()
        // Deploys a contract after the libraries it links to, each once.
        const deployLinked = async (name: string): Promise<string> => {
          const known = addresses.get(name)
          if (known !== undefined) return known
          const { abi, evm } = contracts[name]!
          let code = evm.bytecode.object
          for (const refs of Object.values(evm.bytecode.linkReferences)) {
            for (const [lib, places] of Object.entries(refs)) {
              const address = (await deployLinked(lib)).slice(2).toLowerCase()
              for (const { start, length } of places) code = code.slice(0, 2 * start) + address + code.slice(2 * (start + length))
            }
          }
          const contract = await new ethers.ContractFactory(abi as never, `0x${code}`, deployer).deploy()
          await contract.waitForDeployment()
          const address = await contract.getAddress()
          addresses.set(name, address)
          return address
        }
        const address = await deployLinked('HonkVerifier')
        const fn = new ethers.Contract(address, contracts.HonkVerifier!.abi as never, deployer).getFunction('verify')
        // The verifier reverts with a named error on most failures rather than returning false.
        return async (p, i) => ((await fn(p, i, { gasLimit: 10_000_000 }).catch(() => false)) as boolean) === true
      }
      verify = await deploy(solidityVerifierForCrs(source, g2))
      canonical = await deploy(source)
    })

    it('accepts the honest proof', async () => {
      expect(await verify(proof.proof, words(proof.publicInputs))).to.equal(true)
    })

    it('rejects a tampered public input', async () => {
      const forged = [`0x${(BigInt(TOTAL) + 1n).toString(16).padStart(64, '0')}`]
      expect(await verify(proof.proof, forged)).to.equal(false)
    })

    it('rejects a tampered proof (one byte of a mid-proof evaluation)', async () => {
      const tampered = Uint8Array.from(proof.proof)
      const at = 32 * Math.floor(tampered.length / 64) + 31
      tampered[at] = (tampered[at] as number) ^ 1
      expect(await verify(tampered, words(proof.publicInputs))).to.equal(false)
    })

    it("rejects the honest proof with Aztec's [x]_2 left in (the pairing really reads the CRS)", async () => {
      expect(await canonical(proof.proof, words(proof.publicInputs))).to.equal(false)
    })
  })
})
