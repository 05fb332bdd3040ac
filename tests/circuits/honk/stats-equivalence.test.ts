// One test-vector suite for both backends of SensorStatsV2 (B = 16 test instance): honest
// statements give the same six public outputs from circom's witness code and from the Noir port
// (circuits/noir/sensor-stats-v2), and every forgery of tests/circuits/forgeries.ts is refused by
// the Noir circuit as well. The same runs against the commitment v3 program
// (circuits/noir/sensor-stats-b16-v3): the statement with the Poseidon2 sponge as its commitment,
// which has no circom twin — it must give circom's outputs except the commitment, which must be
// computeBatchCommitment's, and refuse every forgery re-signed for its own message.
//
// A forgery's values come from the lenient circom build (ForgeryHarness.forge): its inputs, its
// re-signed signature and its hints (active[i], min, max, maxGap, circom's `<--` signals) become
// the Noir program's inputs, since the Noir statement takes those hints as prover-supplied private
// inputs held to the same constraints.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { readFileSync } from 'node:fs'
import {
  BB_G2_FILE,
  compileNoir,
  createBbProver,
  executeNoir,
  findBbBinary,
  NoirWitnessError,
  noirProject,
  SENSOR_STATS_NOIR_NAMES,
  sensorStatsNoirInput,
  solidityVerifierForCrs,
  type NoirProgram,
} from '../../../circuits/node.js'
import {
  B,
  BASE,
  calculateWitness,
  CIRCUIT_ID,
  FORGERIES,
  ForgeryHarness,
  params,
  ROOT,
  type CircuitInput,
  type Statement,
} from '../forgeries.js'
import {
  BATCH_DOMAIN,
  BatchInputError,
  commitmentV3Tag,
  computeBatchCommitment,
  getPoseidon,
  poseidon2Hash,
  signEddsaPoseidon,
  SNARK_FIELD,
} from '../../../circuits/index.js'
import { testCrs } from './dev-crs.js'
import { deployHonkVerifier, words } from './honk-verifier.js'

const OUTPUTS = ['commitment', 'device', 'series', 'batch', 'sums', 'bounds'] as const
const VB = BigInt(params.valueBits)
const GB = BigInt(params.gapBits)
const t0 = 1_700_000_000n
const P = SNARK_FIELD

/**
 * Forgeries whose change is confined to circom wires that have no Noir counterpart, so no Noir
 * input expresses them; for these the test shows that the Noir program, on the same inputs, outputs
 * something other than the forged statement (the verifier then refuses the forged public inputs).
 *  - "a claimed …": a wrong value written on an output wire. Noir's outputs are return values,
 *    computed by the circuit from the inputs: a prover cannot choose them.
 *  - "a reading below lo counted in range through …": non-boolean or flipped bits of circom's
 *    GreaterEqual decomposition. Noir's comparison bit is computed inside the program
 *    (greater_equal, an unconstrained hint under the same constraints) and no execution input
 *    reaches it; its effect, inRange + 1, is the claim "sums (inRange + 1)".
 * Three others also edit internal wires, but their inputs alone are already a forgery, which Noir
 * refuses: "the aliased min decomposed into …" (the aliased reading; Noir's range checks have no
 * bit wires), "… signature check switched off (enabled = 0)" (Noir's verifier has no enabled
 * input: it always checks) and "… checked against its own message …" (the message is computed in
 * the program, not a wire the prover may borrow).
 */
function internalOnly(name: string): boolean {
  return name.startsWith('a claimed ') || name.startsWith('a reading below lo counted in range through')
}

describe('SensorStatsV2: circom and Noir prove the same statement (B = 16)', function () {
  this.timeout(600_000)
  let program: NoirProgram
  let programV3: NoirProgram
  let harness: ForgeryHarness
  let circom: WebAssembly.Module

  before(async () => {
    const started = Date.now()
    ;[program, programV3, harness, circom] = await Promise.all([
      compileNoir(noirProject('sensor-stats-b16-v2')),
      compileNoir(noirProject('sensor-stats-b16-v3')),
      ForgeryHarness.create(),
      readFile(join(ROOT, 'build', 'circuits', CIRCUIT_ID, 'main_js', 'main.wasm')).then((b) => WebAssembly.compile(b)),
    ])
    console.log(`      compiled sensor-stats-b16-v2, -v3 and the lenient circom build in ${Date.now() - started} ms`)
  })

  /** The Noir inputs for the witness values of a (possibly forged) circom witness. */
  function noirInput(values: Map<string, bigint>): Record<string, string | string[]> {
    const get = (name: string): string => {
      const v = values.get(`main.${name}`)
      if (v === undefined) throw new Error(`no value for main.${name}`)
      return v.toString()
    }
    const list = (name: string): string[] => Array.from({ length: B }, (_, i) => get(`${name}[${i}]`))
    return {
      ...Object.fromEntries(Object.entries(SENSOR_STATS_NOIR_NAMES).map(([circomName, noirName]) => [noirName, get(circomName)])),
      values: list('values'),
      times: list('times'),
      active: list('active'),
      min: get('min'),
      max: get('max'),
      max_gap: get('maxGap'),
    }
  }

  async function noirOutputs(values: Map<string, bigint>): Promise<bigint[]> {
    const { returnValue } = await executeNoir(program, noirInput(values))
    return (returnValue as string[]).map((v) => BigInt(v))
  }

  async function signed(statement: Statement): Promise<CircuitInput> {
    return harness.sign(await harness.input(statement))
  }

  const honest: Array<[string, Statement]> = [
    ['the base statement (irregular gaps, some readings out of [lo, hi])', BASE],
    ['one reading (count 1, maxGap 0)', { ...BASE, values: [77n], times: [t0] }],
    [
      `a full batch (count ${B}), last batch of its series`,
      {
        ...BASE,
        values: Array.from({ length: B }, (_, i) => BigInt(1000 + 137 * i)),
        times: Array.from({ length: B }, (_, i) => t0 + 60n * BigInt(i)),
        last: 1n,
      },
    ],
    [
      'readings 0 and 2^VB − 1 with lo = 0, hi = 2^VB − 1',
      { ...BASE, values: [0n, (1n << VB) - 1n, 0n], times: [t0, t0 + 1n, t0 + 2n], lo: 0n, hi: (1n << VB) - 1n },
    ],
    [
      'the largest gap, 2^GB, and the largest batch index',
      { ...BASE, values: [5n, 6n], times: [t0, t0 + (1n << GB)], batchIndex: (1n << 32n) - 1n },
    ],
    ['lo > hi (an empty range counts 0)', { ...BASE, lo: 3000n, hi: 1000n }],
  ]
  for (const [name, statement] of honest) {
    it(`gives circom's public outputs for ${name}`, async () => {
      const input = await signed(statement)
      const witness = await calculateWitness(circom, input)
      const fromCircom = witness.slice(1, 1 + OUTPUTS.length)
      const fromNoir = await noirOutputs(await harness.values(input))
      expect(fromNoir).to.deep.equal(fromCircom)
    })
  }

  it('takes its hints from sensorStatsNoirInput (what a prover process calls) for every honest statement above', async () => {
    for (const [, statement] of honest) {
      const input = await signed(statement)
      const fromCircom = (await calculateWitness(circom, input)).slice(1, 1 + OUTPUTS.length)
      const { returnValue } = await executeNoir(program, sensorStatsNoirInput(input))
      expect((returnValue as string[]).map((v) => BigInt(v))).to.deep.equal(fromCircom)
    }
  })

  it('refuses to build Noir inputs from something that is not a SensorStatsV2 input, by name', () => {
    for (const bad of [{}, { values: ['1'], times: ['1', '2'], count: '1' }, { values: ['1'], times: ['1'], count: '2' }]) {
      expect(() => sensorStatsNoirInput(bad)).to.throw(BatchInputError)
    }
  })

  for (const forgery of FORGERIES) {
    const expressible = !internalOnly(forgery.name)
    it(
      expressible
        ? `refuses the forgery: ${forgery.name}`
        : `cannot be given the forgery "${forgery.name}" (circom-internal wires) and outputs other than it claims`,
      async () => {
        const values = await harness.forge(await forgery.build(harness))
        if (expressible) {
          const err = await noirOutputs(values).then(
            () => undefined,
            (e: unknown) => e,
          )
          expect(err, 'the Noir program accepted the forgery').to.be.instanceOf(NoirWitnessError)
        } else {
          const forged = OUTPUTS.map((name) => values.get(`main.${name}`)!)
          expect(await noirOutputs(values)).not.to.deep.equal(forged)
        }
      },
    )
  }

  // --- commitment v3: the same statement, its commitment the Poseidon2 sponge ---

  /** Commitment v3 of a Noir input as the program computes it: field arithmetic only, no checks. */
  function commitmentV3(input: Record<string, string | string[]>): bigint {
    const values = (input.values as string[]).map(BigInt)
    const times = (input.times as string[]).map(BigInt)
    const readingBits = VB + BigInt(params.timeBits) + 1n
    const elements = Array.from({ length: Math.ceil(B / 3) }, (_, e) => {
      let element = 0n
      for (let r = 0; r < 3 && 3 * e + r < B; r++) element += ((times[3 * e + r]! << VB) + values[3 * e + r]!) << (BigInt(r) * readingBits)
      return element % P
    })
    return poseidon2Hash([commitmentV3Tag(params), BigInt(input.salt as string), BigInt(input.count as string), ...elements])
  }

  /** The Noir input signed by the device for the v3 program's own message (as a v3 publisher signs). */
  async function signedV3(input: Record<string, string | string[]>, series: bigint): Promise<Record<string, string | string[]>> {
    const poseidon = await getPoseidon()
    const position = (BigInt(input.batch_index as string) + BigInt(input.last as string) * (1n << 32n)) % P
    const message = poseidon.F.toObject(poseidon([BATCH_DOMAIN, commitmentV3(input), series, position]))
    const signature = await signEddsaPoseidon(harness.device.privateKey, message)
    return { ...input, r8x: String(signature.R8x), r8y: String(signature.R8y), s: String(signature.S) }
  }

  async function noirOutputsV3(input: Record<string, string | string[]>): Promise<bigint[]> {
    const { returnValue } = await executeNoir(programV3, input)
    return (returnValue as string[]).map((v) => BigInt(v))
  }

  for (const [name, statement] of honest) {
    it(`with commitment v3 gives circom's outputs but the commitment, which is computeBatchCommitment's Poseidon2 sponge, for ${name}`, async () => {
      const input = await signed(statement)
      const fromCircom = (await calculateWitness(circom, input)).slice(1, 1 + OUTPUTS.length)
      const noir = await signedV3(sensorStatsNoirInput(input), fromCircom[2]!)
      const fromNoir = await noirOutputsV3(noir)
      const count = statement.count ?? BigInt(statement.values.length)
      const batch = { values: statement.values.slice(0, Number(count)), times: statement.times.slice(0, Number(count)) }
      const expected = await computeBatchCommitment(batch, statement.salt, { ...params, commitment: 'poseidon2' })
      expect(fromNoir).to.deep.equal([expected, ...fromCircom.slice(1)])
      expect(expected).not.to.equal(fromCircom[0])
    })
  }

  it('with commitment v3 refuses a batch signed for its commitment v2 message (the same readings, the other scheme)', async () => {
    const input = await signed(BASE)
    const err = await noirOutputsV3(sensorStatsNoirInput(input)).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).to.be.instanceOf(NoirWitnessError)
  })

  // The claims on circom-internal wires (internalOnly) are not repeated: the v3 program shares every
  // line after the commitment with v2 (`statement` in the library), whose outputs are shown above to
  // differ from each forged claim.
  for (const forgery of FORGERIES.filter((f) => !internalOnly(f.name))) {
    it(`with commitment v3 refuses the forgery: ${forgery.name}`, async () => {
      const forged = await forgery.build(harness)
      const values = await harness.forge(forged)
      const input = noirInput(values)
      // Re-signed for the v3 message unless the forgery is about the signature itself.
      const noir = forged.resign === false ? input : await signedV3(input, values.get('main.series')!)
      const err = await noirOutputsV3(noir).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, 'the v3 program accepted the forgery').to.be.instanceOf(NoirWitnessError)
    })
  }

  it("is proven by native bb over our CRS, and bb's Solidity verifier accepts the proof with circom's outputs only", async () => {
    // B = 16 is about 30,000 gates: a 2^15-point CRS (power-15 development ptau).
    const crs = testCrs(32768)
    const prover = createBbProver({ bb: findBbBinary(), crsDir: crs.dir, crsPoints: crs.points })
    const input = await signed(BASE)
    const fromCircom = (await calculateWitness(circom, input)).slice(1, 1 + OUTPUTS.length)
    const { witness } = await executeNoir(program, noirInput(await harness.values(input)))
    const started = Date.now()
    const proof = await prover.prove(program, witness, 'evm')
    console.log(`      ${await prover.gates(program)} gates, proved in ${Date.now() - started} ms, proof ${proof.proof.length} bytes`)
    const expected = fromCircom.map((v) => `0x${v.toString(16).padStart(64, '0')}`)
    expect(words(proof.publicInputs)).to.deep.equal(expected)

    const source = solidityVerifierForCrs(await prover.solidityVerifier(proof.vk), readFileSync(join(crs.dir, BB_G2_FILE)))
    const verify = await deployHonkVerifier(source)
    expect(await verify(proof.proof, expected)).to.equal(true)
    // sums with inRange + 1: a claim the proof does not support.
    const claimed = [...expected]
    claimed[4] = `0x${(fromCircom[4]! + (1n << 160n)).toString(16).padStart(64, '0')}`
    expect(await verify(proof.proof, claimed)).to.equal(false)
  })
})
