import { expect } from 'chai'
import {
  computeBatchCommitment,
  computeDatasetRoot,
  createDeviceKey,
  generateProof,
  getCircuitManifest,
  parseProofBundle,
  parsePublicSignals,
  prepareBatch,
  sensorStatsParams,
  seriesIdOf,
  signBatch,
  verifyProofBundle,
  type BatchReadings,
  type DeviceKey,
  type ProofBundle,
  type SeriesMeaning,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const params = sensorStatsParams(CIRCUIT)
const band = { lo: 10n, hi: 20n }
/** What each series' readings mean, as its device signs it. */
const meaning = (nonce: bigint): SeriesMeaning => ({ metric: 'temperature', unit: '°C', scale: 0, offset: 0, nonce })

describe('proof bundle', function () {
  this.timeout(300_000)
  let circuit: Awaited<ReturnType<typeof loadCircuit>>
  let device: DeviceKey
  let bundle: ProofBundle
  let commitments: bigint[]
  const vkeyHash = getCircuitManifest(CIRCUIT).files.vkey

  async function proveBatch(
    series: number,
    nonce: bigint,
    index: number,
    batch: BatchReadings,
    last: boolean,
  ): Promise<ProofBundle['batches'][number] & { commitment: bigint }> {
    const salt = BigInt(1000 + series * 100 + index)
    const commitment = await computeBatchCommitment(batch, salt, params)
    const seriesId = await seriesIdOf(device.deviceId, meaning(nonce), band)
    const batchIndex = BigInt(index)
    const signature = await signBatch(device, { commitment, seriesId, batchIndex, last })
    const prepared = await prepareBatch(batch, params, { ...band, meaning: meaning(nonce), batchIndex, last, salt, device, signature })
    const { proof, publicSignals } = await generateProof(circuit, prepared.input)
    return { series, index, count: batch.values.length, publicSignals, proof: proof as ProofBundle['batches'][number]['proof'], commitment }
  }

  const readings = (from: number, n: number, t0: number): BatchReadings => ({
    values: Array.from({ length: n }, (_, i) => BigInt((from + i * 3) % 31)),
    times: Array.from({ length: n }, (_, i) => BigInt(t0 + i * 60)),
  })

  before(async () => {
    circuit = await loadCircuit(CIRCUIT)
    device = await createDeviceKey()
    const proven = [
      await proveBatch(0, 501n, 0, readings(1, 16, 0), false),
      await proveBatch(0, 501n, 1, readings(5, 16, 960), false),
      await proveBatch(0, 501n, 2, readings(9, 4, 1920), true),
      await proveBatch(1, 502n, 0, readings(2, 7, 0), true),
    ]
    commitments = proven.map((p) => p.commitment)
    bundle = { version: 1, circuitId: CIRCUIT, vkeyHash, batches: proven.map(({ commitment: _c, ...b }) => b) }
  })
  after(releaseProverThreads)

  const options = () => ({ vkey: circuit.vkey, vkeyHash, allowedDevices: new Set([device.deviceId]) })

  it('verifies a two-series bundle, rebuilds the root and combines the totals', async () => {
    const result = await verifyProofBundle(parseProofBundle(JSON.parse(JSON.stringify(bundle))), {
      ...options(),
      expectedRoot: await computeDatasetRoot(commitments),
    })
    expect(result.problems).to.deep.equal([])
    expect(result.ok).to.equal(true)
    expect(result.series.map((s) => s.count)).to.deep.equal([36n, 7n])
    expect(result.series[0]!.batches).to.equal(3)
    expect(result.devices).to.deep.equal([device.deviceId])
  })

  it('reports a missing batch: the index gap and the root mismatch', async () => {
    const gapped = { ...bundle, batches: bundle.batches.filter((b) => !(b.series === 0 && b.index === 1)) }
    const result = await verifyProofBundle(gapped, { ...options(), expectedRoot: await computeDatasetRoot(commitments) })
    expect(result.ok).to.equal(false)
    expect(result.problems.map((p) => p.problem).join('\n'))
      .to.contain('expected batch index 1')
      .and.contain('but')
  })

  it('reports a tampered statistic as a proof that does not verify', async () => {
    const forged = structuredClone(bundle)
    forged.batches[0]!.publicSignals[4] = (BigInt(forged.batches[0]!.publicSignals[4]!) + 1n).toString() // sum + 1
    const result = await verifyProofBundle(forged, options())
    expect(result.problems).to.deep.include({ batch: { series: 0, index: 0 }, problem: 'proof does not verify' })
  })

  it('reports a batch relabelled with another index', async () => {
    const forged = structuredClone(bundle)
    forged.batches[1]!.index = 2
    forged.batches[2]!.index = 1
    const problems = (await verifyProofBundle(forged, options())).problems.map((p) => p.problem)
    expect(problems).to.include('proof is for batch index 1')
  })

  it('reports a signer that is not a registered device, and a foreign verification key', async () => {
    const result = await verifyProofBundle(bundle, { ...options(), vkeyHash: 'ab'.repeat(32), allowedDevices: new Set([12n]) })
    const problems = result.problems.map((p) => p.problem)
    expect(problems).to.include('signed by a device key that is not registered for this dataset')
    expect(problems.some((p) => p.includes('verification key'))).to.equal(true)
  })

  it('proves in a worker thread (how pipeline workers run the prover) and the proof verifies here', async () => {
    const { Worker } = await import('node:worker_threads')
    const batch = readings(3, 9, 0)
    const salt = 5n
    const commitment = await computeBatchCommitment(batch, salt, params)
    const seriesId = await seriesIdOf(device.deviceId, meaning(9n), band)
    const signature = await signBatch(device, { commitment, seriesId, batchIndex: 0n, last: true })
    const { input, stats } = await prepareBatch(batch, params, {
      ...band,
      meaning: meaning(9n),
      batchIndex: 0n,
      last: true,
      salt,
      device,
      signature,
    })
    const worker = new Worker(new URL('../helpers/prove-worker.mjs', import.meta.url), { workerData: { circuitId: CIRCUIT, input } })
    const result = await new Promise<Awaited<ReturnType<typeof generateProof>>>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(parsePublicSignals(result.publicSignals).sum).to.equal(stats.sum)
    const { verifyProof } = await import('../../circuits/index.js')
    expect(await verifyProof(circuit.vkey, result.publicSignals, result.proof)).to.equal(true)
  })

  it('rejects a malformed bundle with ProofBundleError naming the field', () => {
    expect(() => parseProofBundle({ ...bundle, batches: [] }))
      .to.throw(Error, 'batches')
      .with.property('name', 'ProofBundleError')
    expect(() => parseProofBundle({ ...bundle, vkeyHash: 'x' })).to.throw(Error, 'vkeyHash')
  })

  it('reports public signals that are not SensorStats’ (bits beyond the packed layout) without verifying them', async () => {
    const forged = structuredClone(bundle)
    forged.batches[0]!.publicSignals[5] = (BigInt(forged.batches[0]!.publicSignals[5]!) + (1n << 240n)).toString()
    const result = await verifyProofBundle(forged, options())
    expect(result.problems).to.deep.include({ batch: { series: 0, index: 0 }, problem: 'public signal bounds has bits beyond its layout' })
  })
})
