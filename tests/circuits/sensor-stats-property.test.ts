// Property: for random valid batches the circuit's public outputs equal an independent
// computation written here (not computeBatchStats, which the circuit test already compares with),
// unpacked by the layout in the circuit's header comment.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect } from 'chai'
import fc from 'fast-check'
import {
  computeBatchCommitment,
  createDeviceKey,
  generateProof,
  prepareBatch,
  seriesIdOf,
  signBatch,
  verifyProof,
  type DeviceKey,
  type SeriesMeaning,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { B, calculateWitness, CIRCUIT_ID, params, ROOT } from './forgeries.js'

const VALUE_LIMIT = 1n << BigInt(params.valueBits)
const GAP_LIMIT = 1n << BigInt(params.gapBits)
const MEANING: SeriesMeaning = { metric: 'humidity', unit: '%', scale: 1, offset: 0, nonce: 5n }

interface Drawn {
  values: bigint[]
  firstTime: bigint
  gaps: bigint[]
  lo: bigint
  hi: bigint
  batchIndex: bigint
  last: boolean
  salt: bigint
}

const batches = fc.integer({ min: 1, max: B }).chain((n) =>
  fc.record({
    values: fc.array(fc.bigInt({ min: 0n, max: VALUE_LIMIT - 1n }), { minLength: n, maxLength: n }),
    firstTime: fc.bigInt({ min: 0n, max: (1n << BigInt(params.timeBits)) - 1n }),
    gaps: fc.array(fc.bigInt({ min: 1n, max: GAP_LIMIT }), { minLength: n - 1, maxLength: n - 1 }),
    lo: fc.bigInt({ min: 0n, max: VALUE_LIMIT - 1n }),
    hi: fc.bigInt({ min: 0n, max: VALUE_LIMIT - 1n }),
    batchIndex: fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }),
    last: fc.boolean(),
    salt: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }),
  }),
)

/** What the statement should say, computed plainly from the readings. */
function statement(d: Drawn): Record<string, bigint> {
  const times = d.gaps.reduce((acc, g) => [...acc, acc.at(-1)! + g], [d.firstTime])
  const sorted = [...d.values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    count: BigInt(d.values.length),
    sum: d.values.reduce((a, v) => a + v, 0n),
    sumSq: d.values.reduce((a, v) => a + v * v, 0n),
    min: sorted[0]!,
    max: sorted.at(-1)!,
    inRange: BigInt(d.values.filter((v) => d.lo <= v && v <= d.hi).length),
    firstTime: times[0]!,
    lastTime: times.at(-1)!,
    maxGap: d.gaps.length === 0 ? 0n : d.gaps.reduce((a, g) => (g > a ? g : a)),
    lo: d.lo,
    hi: d.hi,
    batchIndex: d.batchIndex,
    last: d.last ? 1n : 0n,
  }
}

/** The circuit's packed outputs, unpacked by the bit offsets of sensor-stats-v2.circom's header. */
function unpack(batch: bigint, sums: bigint, bounds: bigint): Record<string, bigint> {
  const bits = (word: bigint, from: number, width: number): bigint => (word >> BigInt(from)) & ((1n << BigInt(width)) - 1n)
  return {
    batchIndex: bits(batch, 0, 32),
    count: bits(batch, 32, 16),
    lo: bits(batch, 48, 32),
    hi: bits(batch, 80, 32),
    last: batch >> 112n,
    sum: bits(sums, 0, 64),
    sumSq: bits(sums, 64, 96),
    inRange: sums >> 160n,
    min: bits(bounds, 0, 32),
    max: bits(bounds, 32, 32),
    firstTime: bits(bounds, 64, 64),
    lastTime: bits(bounds, 128, 64),
    maxGap: bounds >> 192n,
  }
}

describe('SensorStatsV2 outputs (property, B = 16)', function () {
  this.timeout(300_000)
  let device: DeviceKey
  let wasm: WebAssembly.Module

  async function inputOf(d: Drawn): Promise<Record<string, string | string[]>> {
    const times = d.gaps.reduce((acc, g) => [...acc, acc.at(-1)! + g], [d.firstTime])
    const batch = { values: d.values, times }
    const commitment = await computeBatchCommitment(batch, d.salt, params)
    const seriesId = await seriesIdOf(device.deviceId, MEANING, d)
    const signature = await signBatch(device, { commitment, seriesId, batchIndex: d.batchIndex, last: d.last })
    const prepared = await prepareBatch(batch, params, { ...d, meaning: MEANING, device, signature })
    return prepared.input
  }

  before(async () => {
    device = await createDeviceKey()
    wasm = await WebAssembly.compile(await readFile(join(ROOT, 'build', 'circuits', CIRCUIT_ID, 'main_js', 'main.wasm')))
  })
  after(() => releaseProverThreads())

  it('states count, sum, sumSq, min, max, inRange, first/last time, maxGap, lo, hi, index and end marker of random batches', async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (d) => {
        const witness = await calculateWitness(wasm, await inputOf(d))
        // Wires 1..6 are the outputs: commitment, device, series, batch, sums, bounds.
        expect(witness[2]).to.equal(device.deviceId)
        expect(unpack(witness[4]!, witness[5]!, witness[6]!)).to.deep.equal(statement(d))
      }),
      { numRuns: 25 },
    )
  })

  it('proves and verifies a random batch', async () => {
    const circuit = await loadCircuit(CIRCUIT_ID)
    const [d] = fc.sample(batches, 1)
    const { proof, publicSignals } = await generateProof(circuit, await inputOf(d!))
    expect(await verifyProof(circuit.vkey, publicSignals, proof)).to.equal(true)
    expect(unpack(BigInt(publicSignals[3]!), BigInt(publicSignals[4]!), BigInt(publicSignals[5]!))).to.deep.equal(statement(d!))
  })
})
