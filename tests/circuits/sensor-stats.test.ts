import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import { groth16 } from 'snarkjs'
import {
  assertBatch,
  computeBatchCommitment,
  createDeviceKey,
  expectedPublicSignals,
  generateProof,
  parsePublicSignals,
  prepareBatch,
  seriesIdOf,
  signBatch,
  verifyProof,
  type BatchReadings,
  type DeviceKey,
  type PreparedBatch,
  type SeriesMeaning,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { caught } from '../helpers/errors.js'
import {
  B,
  calculateWitness,
  CIRCUIT_ID,
  failingConstraints,
  FORGERIES,
  ForgeryHarness,
  loadR1cs,
  params,
  resolveExpected,
  ROOT,
  SOURCE,
  under,
  type Circuit,
} from './forgeries.js'

const MAX_VALUE = (1n << 32n) - 1n
const LO = 1000n
const HI = 3000n
const MEANING: SeriesMeaning = { metric: 'temperature', unit: 'degC', scale: 2, offset: 0, nonce: 77n }

// Public outputs by index (packed words: see circuits/public-signals.ts).
const OUT = { commitment: 0, device: 1, series: 2, batch: 3, sums: 4, bounds: 5 }

function batchOf(values: number[] | bigint[], start = 1_700_000_000n, step = 60n): BatchReadings {
  return { values: values.map(BigInt), times: values.map((_, i) => start + BigInt(i) * step) }
}

describe('SensorStatsV2 circuit (B = 16)', function () {
  this.timeout(300_000)
  let circuit: Awaited<ReturnType<typeof loadCircuit>>
  let device: DeviceKey

  interface Options {
    batchIndex?: bigint
    last?: boolean
    lo?: bigint
    hi?: bigint
    signer?: DeviceKey
  }
  async function prepare(batch: BatchReadings, options: Options = {}): Promise<PreparedBatch> {
    const salt = 123456789n
    const { batchIndex = 0n, last = false, lo = LO, hi = HI } = options
    const commitment = await computeBatchCommitment(batch, salt, params)
    const seriesId = await seriesIdOf(device.deviceId, MEANING, { lo, hi })
    const signature = await signBatch(options.signer ?? device, { commitment, seriesId, batchIndex, last })
    return prepareBatch(batch, params, { lo, hi, meaning: MEANING, batchIndex, last, salt, device, signature })
  }

  before(async () => {
    circuit = await loadCircuit(CIRCUIT_ID)
    device = await createDeviceKey()
  })
  after(async () => {
    await releaseProverThreads()
  })

  describe('outputs equal the JS mirror and the proof verifies', () => {
    const cases: Array<[string, BatchReadings, Options?]> = [
      [
        'a full batch of mixed readings',
        batchOf([1500, 999, 3001, 2000, 1000, 3000, 42, 2500, 2999, 1001, 7, 4000, 1234, 2222, 1800, 1600]),
      ],
      ['a single reading', batchOf([2048])],
      ['a partly filled final batch', batchOf([10, 2000, 2000, 5000, 1500]), { last: true }],
      ['equal values', batchOf(Array<number>(B).fill(1500))],
      ['the extremes 0 and 2^32 − 1', batchOf([0n, MAX_VALUE, 0n, MAX_VALUE, 5n])],
      ['irregular times with a 2^24 gap', { values: [5n, 6n, 7n], times: [0n, 1n, 1n + (1n << 24n)] }],
      [
        // Each packed slot at its bound: the sums of 16 readings of 2^32 − 1, times up to
        // 2^48 − 1 + 15 · 2^24, the largest index, the full band, the end marker.
        'every packed slot at its largest value',
        {
          values: Array<bigint>(B).fill(MAX_VALUE),
          times: Array.from({ length: B }, (_, i) => (1n << 48n) - 1n + BigInt(i) * (1n << 24n)),
        },
        { batchIndex: (1n << 32n) - 1n, last: true, lo: 0n, hi: MAX_VALUE },
      ],
    ]
    for (const [name, batch, options] of cases) {
      it(`proves ${name}`, async () => {
        const prepared = await prepare(batch, options)
        const { proof, publicSignals } = await generateProof(circuit, prepared.input)
        expect(publicSignals).to.deep.equal(await expectedPublicSignals(prepared))
        expect(parsePublicSignals(publicSignals, params)).to.include({ ...prepared.stats, count: BigInt(batch.values.length) })
        expect(await verifyProof(circuit.vkey, publicSignals, proof)).to.equal(true)
      })
    }
  })

  describe('inputs the guard refuses before the circuit does', () => {
    it('the guard names each broken precondition', () => {
      const bad: Array<[BatchReadings, string]> = [
        [batchOf([1n << 32n]), 'outside [0, 2^32)'],
        [batchOf([-1n]), 'outside [0, 2^32)'],
        [{ values: [1n, 2n], times: [5n, 5n] }, 'strictly increase'],
        [{ values: [1n, 2n], times: [5n, 4n] }, 'strictly increase'],
        [{ values: [1n, 2n], times: [0n, 1n + (1n << 24n)] }, 'exceeds 2^24'],
        [{ values: [1n], times: [1n << 48n] }, 'outside [0, 2^48)'],
        [batchOf(Array<number>(B + 1).fill(1)), 'holds 1..16 readings'],
        [{ values: [], times: [] }, 'holds 1..16 readings'],
      ]
      for (const [batch, message] of bad)
        expect(() => assertBatch(batch, params))
          .to.throw(Error, message)
          .with.property('name', 'BatchInputError')
      expect(() => assertBatch(batchOf([1]), params, { lo: 0n, hi: 1n << 32n }))
        .to.throw(Error, 'hi 4294967296 outside [0, 2^32)')
        .with.property('name', 'BatchInputError')
    })

    it('refuses to sign a batch index of 2^32 or more', async () => {
      const err = await caught(() => signBatch(device, { commitment: 1n, seriesId: 2n, batchIndex: 1n << 32n, last: false }))
      expect(err.name).to.equal('BatchInputError')
    })

    it('fails witness generation for a signature by another key', async () => {
      const prepared = await prepare(batchOf([1500, 999, 3001]), { signer: await createDeviceKey() })
      expect((await caught(() => generateProof(circuit, prepared.input))).name).to.equal('WitnessError')
    })
  })

  describe('forged witnesses fail the constraint they break', () => {
    let harness: ForgeryHarness
    let r1cs: Circuit
    let source: string
    before(async () => {
      // Builds the lenient witness generator once per source change (~10 s).
      harness = await ForgeryHarness.create()
      r1cs = await loadR1cs(join('build', 'circuits', CIRCUIT_ID))
      source = await readFile(join(ROOT, SOURCE), 'utf8')
    })

    it('accepts the honest witness, which equals the circuit’s own witness wire for wire', async () => {
      const input = await harness.sign(await harness.input(harness.base))
      const ours = harness.witnessFor(r1cs, await harness.forge({ input, resign: false }))
      const wasm = await WebAssembly.compile(await readFile(join(ROOT, 'build', 'circuits', CIRCUIT_ID, 'main_js', 'main.wasm')))
      expect(ours).to.deep.equal(await calculateWitness(wasm, input))
      expect(failingConstraints(r1cs, ours)).to.deep.equal([])
    })

    for (const forgery of FORGERIES) {
      it(`rejects ${forgery.name} at ${forgery.expectedFailure}`, async () => {
        const expected = resolveExpected(forgery.expectedFailure, source)
        const failing = await harness.run(forgery, r1cs)
        const named = failing.filter((c) => c.signals.some((s) => under(s, expected)))
        const described = failing.map((c) => `#${c.index}: ${c.signals.slice(0, 6).join(' ')}`).join('\n')
        expect(named, `no failing constraint on ${expected}; failing:\n${described}`).to.not.be.empty
        if (forgery.only === true) expect(named, `other constraints fail too:\n${described}`).to.have.length(failing.length)
      })
    }
  })

  describe('verification', () => {
    let prepared: PreparedBatch
    let proof: Awaited<ReturnType<typeof generateProof>>
    before(async () => {
      prepared = await prepare(batchOf([1500, 999, 3001, 2000, 1000]), { batchIndex: 3n })
      proof = await generateProof(circuit, prepared.input)
    })

    it('rejects a tampered statistic in any packed word', async () => {
      for (const index of [OUT.sums, OUT.bounds, OUT.commitment]) {
        const forged = [...proof.publicSignals]
        forged[index] = (BigInt(forged[index]!) + 1n).toString()
        expect(await verifyProof(circuit.vkey, forged, proof.proof)).to.equal(false)
      }
    })

    it('rejects the proof replayed under another series id, batch index or end marker, or claimed for another device', async () => {
      const shifts: Array<[number, bigint]> = [
        [OUT.series, 0n],
        [OUT.batch, 0n],
        [OUT.batch, 112n],
        [OUT.device, 0n],
      ]
      for (const [index, shift] of shifts) {
        const replayed = [...proof.publicSignals]
        replayed[index] = (BigInt(replayed[index]!) + (1n << shift)).toString()
        expect(await verifyProof(circuit.vkey, replayed, proof.proof)).to.equal(false)
      }
    })

    it('states the device id, series, batch index, end marker and statistics in its six public signals', async () => {
      const stated = parsePublicSignals(proof.publicSignals, params)
      expect(stated).to.deep.include({
        ...prepared.stats,
        deviceId: device.deviceId,
        seriesId: await seriesIdOf(device.deviceId, MEANING, { lo: LO, hi: HI }),
        batchIndex: 3n,
        count: 5n,
        lo: LO,
        hi: HI,
        last: 0n,
      })
      const calldata = await groth16.exportSolidityCallData(proof.proof, proof.publicSignals)
      const [, , , inputs] = JSON.parse(`[${calldata}]`) as [unknown, unknown, unknown, string[]]
      expect(inputs).to.have.length(6)
    })
  })
})
