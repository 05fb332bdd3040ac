import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { groth16, wtns } from 'snarkjs'
import {
  assertBatch,
  computeBatchCommitment,
  createDeviceKey,
  expectedPublicSignals,
  generateProof,
  parsePublicSignals,
  prepareBatch,
  sensorStatsParams,
  signBatch,
  verifyProof,
  type BatchReadings,
  type DeviceKey,
  type PreparedBatch,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { caught } from '../helpers/errors.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const params = sensorStatsParams(CIRCUIT)
const B = params.batchSize
const MAX_VALUE = (1n << 32n) - 1n
const LO = 1000n
const HI = 3000n
const SERIES = 77n

// Public outputs by index (packed words: see circuits/public-signals.ts).
const OUT = { commitment: 0, device: 1, series: 2, batch: 3, sums: 4, bounds: 5 }

function batchOf(values: number[] | bigint[], start = 1_700_000_000n, step = 60n): BatchReadings {
  return { values: values.map(BigInt), times: values.map((_, i) => start + BigInt(i) * step) }
}

describe('SensorStats circuit (B = 16)', function () {
  this.timeout(300_000)
  let circuit: Awaited<ReturnType<typeof loadCircuit>>
  let device: DeviceKey
  let dir: string

  async function prepare(
    batch: BatchReadings,
    overrides: { seriesId?: bigint; batchIndex?: bigint; signer?: DeviceKey } = {},
  ): Promise<PreparedBatch> {
    const salt = 123456789n
    const seriesId = overrides.seriesId ?? SERIES
    const batchIndex = overrides.batchIndex ?? 0n
    const commitment = await computeBatchCommitment(batch, salt, params)
    const signature = await signBatch(overrides.signer ?? device, commitment, seriesId, batchIndex)
    return prepareBatch(batch, params, { lo: LO, hi: HI, seriesId, batchIndex, salt, device, signature })
  }

  /** signal name → witness wire, from the build's .sym file (-1: optimised away into a constraint). */
  let wires: Map<string, number>

  /**
   * Witness from valid inputs with named signals overwritten (a signal the optimiser removed is
   * skipped: its constraint now binds the packed output directly), then the R1CS check.
   */
  async function witnessWith(prepared: PreparedBatch, forged: Array<[string, bigint]>): Promise<boolean> {
    const file = join(dir, `w-${forged.map(([n, v]) => `${n}-${v}`).join('-')}.wtns`)
    await wtns.calculate(prepared.input, circuit.wasm, file)
    const bytes = await readFile(file)
    // wtns: "wtns", version, nSections, then (type u32, size u64, data) sections; section 1 starts
    // with n8, section 2 holds the witness, n8 little-endian bytes per wire.
    let at = 12
    let n8 = 32
    for (;;) {
      const type = bytes.readUInt32LE(at)
      const size = Number(bytes.readBigUInt64LE(at + 4))
      if (type === 1) n8 = bytes.readUInt32LE(at + 12)
      if (type === 2) {
        for (const [name, value] of forged) {
          const wire = wires.get(name)
          if (wire === undefined) throw new Error(`no signal ${name} in the .sym file`)
          if (wire < 0) continue
          let v = value
          for (let i = 0; i < n8; i++) {
            bytes[at + 12 + wire * n8 + i] = Number(v & 0xffn)
            v >>= 8n
          }
        }
        break
      }
      at += 12 + size
    }
    await writeFile(file, bytes)
    // snarkjs reports failing constraints through the logger (and needs one to do so).
    const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
    return (await wtns.check(join('build', 'circuits', CIRCUIT, 'main.r1cs'), file, quiet)) === true
  }

  before(async () => {
    circuit = await loadCircuit(CIRCUIT)
    device = await createDeviceKey()
    dir = await mkdtemp(join(tmpdir(), 'assay-stats-'))
    const sym = await readFile(join('build', 'circuits', CIRCUIT, 'main.sym'), 'utf8')
    wires = new Map(
      sym
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [, wire, , name] = line.split(',')
          return [name!, Number(wire)]
        }),
    )
  })
  after(async () => {
    await releaseProverThreads()
    await rm(dir, { recursive: true, force: true })
  })

  describe('outputs equal the JS mirror and the proof verifies', () => {
    const cases: Array<[string, BatchReadings]> = [
      [
        'a full batch of mixed readings',
        batchOf([1500, 999, 3001, 2000, 1000, 3000, 42, 2500, 2999, 1001, 7, 4000, 1234, 2222, 1800, 1600]),
      ],
      ['a single reading', batchOf([2048])],
      ['a partly filled batch', batchOf([10, 2000, 2000, 5000, 1500])],
      ['equal values', batchOf(Array<number>(B).fill(1500))],
      ['the extremes 0 and 2^32 - 1', batchOf([0n, MAX_VALUE, 0n, MAX_VALUE, 5n])],
      ['irregular times with a 2^24 gap', { values: [5n, 6n, 7n], times: [0n, 1n, 1n + (1n << 24n)] }],
    ]
    for (const [name, batch] of cases) {
      it(`proves ${name}`, async () => {
        const prepared = await prepare(batch)
        const { proof, publicSignals } = await generateProof(circuit, prepared.input)
        expect(publicSignals).to.deep.equal(await expectedPublicSignals(prepared))
        expect(await verifyProof(circuit.vkey, publicSignals, proof)).to.equal(true)
      })
    }
  })

  describe('inputs the circuit must refuse', () => {
    const base = batchOf([1500, 999, 3001, 2000, 1000])

    it('the guard names each broken precondition', () => {
      const bad: Array<[BatchReadings, string]> = [
        [batchOf([1n << 32n]), 'outside [0, 2^32)'],
        [{ values: [1n, 2n], times: [5n, 5n] }, 'strictly increase'],
        [{ values: [1n, 2n], times: [5n, 4n] }, 'strictly increase'],
        [{ values: [1n, 2n], times: [0n, 2n + (1n << 24n)] }, 'exceeds 2^24'],
        [batchOf(Array<number>(B + 1).fill(1)), 'holds 1..16 readings'],
        [{ values: [], times: [] }, 'holds 1..16 readings'],
      ]
      for (const [batch, message] of bad)
        expect(() => assertBatch(batch, params))
          .to.throw(Error, message)
          .with.property('name', 'BatchInputError')
    })

    async function witnessFails(mutate: (input: PreparedBatch['input']) => void): Promise<void> {
      const prepared = await prepare(base)
      mutate(prepared.input)
      const err = await caught(() => generateProof(circuit, prepared.input))
      expect(err.name).to.equal('WitnessError')
    }

    it('rejects a value of 2^32 or more', () => witnessFails((i) => ((i.values as string[])[2] = (1n << 32n).toString())))
    it('rejects unsorted times', () => witnessFails((i) => ((i.times as string[])[2] = (i.times as string[])[0]!)))
    it('rejects equal consecutive times', () => witnessFails((i) => ((i.times as string[])[2] = (i.times as string[])[1]!)))
    it('rejects a padded slot that holds a value', () => witnessFails((i) => ((i.values as string[])[B - 1] = '5')))
    it('rejects a padded slot that holds a time', () => witnessFails((i) => ((i.times as string[])[B - 1] = '5')))
    it('rejects a count of 0', () => witnessFails((i) => (i.count = '0')))
    it('rejects a signature by another key', async () => {
      const other = await createDeviceKey()
      const prepared = await prepare(base, { signer: other })
      expect((await caught(() => generateProof(circuit, prepared.input))).name).to.equal('WitnessError')
    })
    it('rejects a signature made for another batch index', async () => {
      const prepared = await prepare(base, { batchIndex: 1n })
      prepared.input.batchIndex = '2'
      expect((await caught(() => generateProof(circuit, prepared.input))).name).to.equal('WitnessError')
    })
  })

  describe('forged witnesses fail the constraint check', () => {
    let prepared: PreparedBatch
    let honest: bigint[]
    before(async () => {
      prepared = await prepare(batchOf([1500, 999, 3001, 2000, 1000, 3000, 42]))
      honest = (await expectedPublicSignals(prepared)).map(BigInt)
    })
    /** The statement changed consistently: the named signal and the packed output that carries it. */
    const claim =
      (signal: string, delta: bigint, word: keyof typeof OUT, shift = 0n): (() => Array<[string, bigint]>) =>
      () => {
        const internal = signal === word ? [] : ([[`main.${signal}`, valueOf(signal) + delta]] as Array<[string, bigint]>)
        return [...internal, [`main.${word}`, (honest[OUT[word]] as bigint) + (delta << shift)]]
      }
    const valueOf = (signal: string): bigint =>
      signal === 'count' ? BigInt(prepared.input.count as string) : (prepared.stats as unknown as Record<string, bigint>)[signal]!

    it('accepts the honest witness (the check can pass)', async () => {
      expect(await witnessWith(prepared, [])).to.equal(true)
    })
    for (const [name, forge] of [
      ['sum', claim('sum', 1n, 'sums')],
      ['sumSq', claim('sumSq', 1n, 'sums', 64n)],
      ['min (lower than every reading)', claim('min', -1n, 'bounds')],
      ['min (a reading but not the lowest)', claim('min', 958n, 'bounds')],
      ['max (higher than every reading)', claim('max', 1n, 'bounds', 32n)],
      ['inRange', claim('inRange', 1n, 'sums', 160n)],
      ['lastTime', claim('lastTime', 60n, 'bounds', 128n)],
      ['maxGap', claim('maxGap', 1n, 'bounds', 192n)],
      ['count', claim('count', 1n, 'batch', 32n)],
      ['commitment', claim('commitment', 1n, 'commitment')],
      ['device id', claim('device', 1n, 'device')],
    ] as const) {
      it(`rejects a witness with a forged ${name}`, async () => {
        expect(await witnessWith(prepared, forge())).to.equal(false)
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

    it('rejects a tampered statistic', async () => {
      const forged = [...proof.publicSignals]
      forged[OUT.sums] = (BigInt(forged[OUT.sums]!) + 1n).toString()
      expect(await verifyProof(circuit.vkey, forged, proof.proof)).to.equal(false)
    })

    it('rejects the proof replayed under another series id or batch index, or claimed for another device', async () => {
      for (const index of [OUT.series, OUT.batch, OUT.device]) {
        const replayed = [...proof.publicSignals]
        replayed[index] = (BigInt(replayed[index]!) + 1n).toString()
        expect(await verifyProof(circuit.vkey, replayed, proof.proof)).to.equal(false)
      }
    })

    it('states the device id, series, batch index and statistics in its six public signals', async () => {
      const stated = parsePublicSignals(proof.publicSignals)
      expect(stated).to.deep.include({
        ...prepared.stats,
        deviceId: device.deviceId,
        seriesId: SERIES,
        batchIndex: 3n,
        count: 5n,
        lo: LO,
        hi: HI,
      })
      const calldata = await groth16.exportSolidityCallData(proof.proof, proof.publicSignals)
      const [, , , inputs] = JSON.parse(`[${calldata}]`) as [unknown, unknown, unknown, string[]]
      expect(inputs).to.have.length(6)
    })
  })
})
