import { expect } from 'chai'
import { curves } from 'snarkjs'
import {
  createDeviceKey,
  getCircuitManifest,
  sensorStatsParams,
  SNARK_FIELD,
  verifyProof,
  verifyProofBundle,
  verifyProofsBatched,
  type BatchReadings,
  type ProofBundle,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads, threadedVerifierCurve } from '../../circuits/node.js'
import { proveBatch, seriesSpec, type Batch } from '../helpers/proven-dataset.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const params = sensorStatsParams(CIRCUIT)
const vkeyHash = getCircuitManifest(CIRCUIT).files.vkey

describe('verifyProofsBatched: many Groth16 proofs in one pairing check', function () {
  this.timeout(600_000)
  let circuit: Awaited<ReturnType<typeof loadCircuit>>
  /** Four honest batches 0..3 of one series. */
  let batches: Batch[]
  /** 40 entries, the four batches repeated: every entry is verified in full all the same. */
  let many: Batch[]

  const readings = (from: number, t0: number): BatchReadings => ({
    values: Array.from({ length: 16 }, (_, i) => BigInt((from + i * 3) % 31)),
    times: Array.from({ length: 16 }, (_, i) => BigInt(t0 + i * 60)),
  })
  const failing = (verdicts: boolean[]): number[] => verdicts.flatMap((ok, i) => (ok ? [] : [i]))
  const bump = (x: string, by: bigint): string => String(BigInt(x) + by)

  before(async () => {
    circuit = await loadCircuit(CIRCUIT)
    const device = await createDeviceKey()
    const spec = await seriesSpec(
      device,
      { metric: 'temperature', unit: '°C', scale: 0, offset: 0, nonce: 11n },
      { lo: 5n, hi: 25n },
      { lo: 5, hi: 25 },
    )
    batches = []
    for (let index = 0; index < 4; index++)
      batches.push(await proveBatch(circuit, params, { series: 0, index, last: index === 3 }, readings(index * 7, index * 960), spec))
    many = Array.from({ length: 40 }, (_, i) => batches[i % 4]!)
  })
  after(releaseProverThreads)

  it('accepts honest proofs, whatever the chunk size', async () => {
    for (const chunkSize of [1, 7, 64]) expect(failing(await verifyProofsBatched(circuit.vkey, many, { chunkSize }))).to.deep.equal([])
  })

  it('accepts honest proofs on the threaded curve as well', async () => {
    expect(failing(await verifyProofsBatched(circuit.vkey, many, { curve: threadedVerifierCurve }))).to.deep.equal([])
  })

  it('rejects only the proof whose public signal was tampered with, among many in its chunk', async () => {
    const forged = [...many]
    forged[13] = { ...many[13]!, publicSignals: many[13]!.publicSignals.map((s, j) => (j === 2 ? bump(s, 1n) : s)) }
    expect(failing(await verifyProofsBatched(circuit.vkey, forged, { chunkSize: 16 }))).to.deep.equal([13])
  })

  it('rejects proofs swapped between two batches', async () => {
    const swapped = [...many]
    swapped[4] = { ...many[4]!, proof: many[5]!.proof }
    swapped[5] = { ...many[5]!, proof: many[4]!.proof }
    expect(failing(await verifyProofsBatched(circuit.vkey, swapped))).to.deep.equal([4, 5])
  })

  it('rejects a public signal at or above the field order, as snarkjs does, though it equals the honest one mod r', async () => {
    const wrapped = [...many]
    wrapped[0] = { ...many[0]!, publicSignals: many[0]!.publicSignals.map((s, j) => (j === 0 ? bump(s, SNARK_FIELD) : s)) }
    expect(await verifyProof(circuit.vkey, wrapped[0].publicSignals, wrapped[0].proof)).to.equal(false)
    expect(failing(await verifyProofsBatched(circuit.vkey, wrapped))).to.deep.equal([0])
  })

  it('rejects a proof point that is not on the curve', async () => {
    const offCurve = [...many]
    offCurve[9] = { ...many[9]!, proof: { ...many[9]!.proof, pi_a: many[9]!.proof.pi_a.map((x, k) => (k === 1 ? bump(x, 1n) : x)) } }
    offCurve[22] = { ...many[22]!, proof: { ...many[22]!.proof, pi_c: many[22]!.proof.pi_c.map((x, k) => (k === 0 ? bump(x, 1n) : x)) } }
    expect(failing(await verifyProofsBatched(circuit.vkey, offCurve))).to.deep.equal([9, 22])
  })

  it('leaves a proof whose B lies on the twist but outside G2 to the single check, and rejects it as that does', async () => {
    // snarkjs checks B only on the curve; the combination needs the subgroup. Adding a point of the
    // twist outside G2 to an honest B gives such a point.
    type F2 = {
      one: Uint8Array
      add(a: Uint8Array, b: Uint8Array): Uint8Array
      mul(a: Uint8Array, b: Uint8Array): Uint8Array
      square(a: Uint8Array): Uint8Array
      isSquare(a: Uint8Array): boolean
      sqrt(a: Uint8Array): Uint8Array
    }
    type G2 = {
      F: F2
      b: Uint8Array
      add(a: Uint8Array, b: Uint8Array): Uint8Array
      fromObject(o: unknown): Uint8Array
      toObject(a: Uint8Array): bigint[][]
      timesScalar(a: Uint8Array, s: bigint): Uint8Array
      isZero(a: Uint8Array): boolean
      isValid(a: Uint8Array): boolean
    }
    const c = (await curves.getCurveFromName('bn128', { singleThread: true })) as unknown as { r: bigint; G2: G2 }
    const { F } = c.G2
    let x = F.one
    while (!F.isSquare(F.add(F.mul(F.square(x), x), c.G2.b))) x = F.add(x, F.one)
    const outside = new Uint8Array([...x, ...F.sqrt(F.add(F.mul(F.square(x), x), c.G2.b))])
    expect(c.G2.isZero(c.G2.timesScalar(outside, c.r))).to.equal(false)
    const b = c.G2.add(c.G2.fromObject(many[6]!.proof.pi_b.map((xy) => xy.map(BigInt))), outside)
    expect(c.G2.isValid(b)).to.equal(true)
    const forged = [...many]
    forged[6] = { ...many[6]!, proof: { ...many[6]!.proof, pi_b: c.G2.toObject(b).map((xy) => xy.map(String)) } }
    const alone = await verifyProof(circuit.vkey, forged[6].publicSignals, forged[6].proof)
    const verdicts = await verifyProofsBatched(circuit.vkey, forged, { chunkSize: 16 })
    expect(verdicts[6]).to.equal(alone)
    expect(failing(verdicts)).to.deep.equal([6])
  })

  it('rejects a proof with the wrong number of public signals', async () => {
    const short = [...many]
    short[3] = { ...many[3]!, publicSignals: many[3]!.publicSignals.slice(1) }
    expect(failing(await verifyProofsBatched(circuit.vkey, short))).to.deep.equal([3])
  })

  it('answers an empty list with no verdicts and reports no progress', async () => {
    const reports: number[] = []
    expect(await verifyProofsBatched(circuit.vkey, [], { onProgress: (done) => reports.push(done) })).to.deep.equal([])
    expect(reports).to.deep.equal([])
  })

  it('reports progress after each chunk', async () => {
    const reports: Array<[number, number]> = []
    await verifyProofsBatched(circuit.vkey, many, { chunkSize: 16, onProgress: (done, total) => reports.push([done, total]) })
    expect(reports).to.deep.equal([
      [16, 40],
      [32, 40],
      [40, 40],
    ])
  })

  it('names the one batch of a bundle whose proof carries a tampered signal (verifyProofBundle)', async () => {
    const bundle: ProofBundle = { version: 1, circuitId: CIRCUIT, vkeyHash, batches: batches.map((b) => ({ ...b })) }
    // The commitment: any value parses, so only the proof can tell.
    const tampered = bundle.batches[2]!
    tampered.publicSignals = tampered.publicSignals.map((s, j) => (j === 0 ? bump(s, 1n) : s))
    const progress: number[] = []
    const result = await verifyProofBundle(bundle, { vkey: circuit.vkey, vkeyHash, onProgress: (done) => progress.push(done) })
    const unverified = result.problems.filter((p) => p.problem === 'proof does not verify')
    expect(unverified).to.deep.equal([{ batch: { series: 0, index: 2 }, problem: 'proof does not verify' }])
    expect(progress.at(-1)).to.equal(4)
  })

  it('ends its progress at the total of batches it verifies when one batch’s signals do not parse (verifyProofBundle)', async () => {
    const bundle: ProofBundle = { version: 1, circuitId: CIRCUIT, vkeyHash, batches: batches.map((b) => ({ ...b })) }
    bundle.batches[1]!.publicSignals = bundle.batches[1]!.publicSignals.slice(1) // one signal short
    const progress: Array<[number, number]> = []
    const result = await verifyProofBundle(bundle, {
      vkey: circuit.vkey,
      vkeyHash,
      onProgress: (done, total) => progress.push([done, total]),
    })
    expect(result.problems.filter((p) => p.batch?.index === 1)).to.have.length.above(0)
    expect(progress.at(-1)).to.deep.equal([batches.length - 1, batches.length - 1])
  })
})
