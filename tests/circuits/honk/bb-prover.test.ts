import { mkdtemp, rm } from 'node:fs/promises'
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
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
import { deployHonkVerifier, words, type HonkVerify } from './honk-verifier.js'

const SUM_RANGE = noirProject('sum-range')
const READINGS = ['1', '2', '3', '4', '5', '6', '7', '65535']
const TOTAL = String(28 + 65535)

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
    let verify: HonkVerify
    let canonical: HonkVerify

    before(async () => {
      const source = await prover.solidityVerifier(proof.vk)
      const g2 = readFileSync(join(crs.dir, BB_G2_FILE))
      verify = await deployHonkVerifier(solidityVerifierForCrs(source, g2))
      canonical = await deployHonkVerifier(source)
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
