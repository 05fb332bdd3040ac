import { expect } from 'chai'
import {
  combineBatchStats,
  computeBatchCommitment,
  computeDatasetRoot,
  createDeviceKey,
  decodeSeriesStats,
  generateProof,
  getCircuitManifest,
  misstatedSeries,
  packPublicSignals,
  parsePublicSignals,
  prepareBatch,
  sensorStatsParams,
  signBatch,
  verifyDatasetProofs,
  verifyProofBundle,
  type BatchReadings,
  type DeviceKey,
  type ProofBundle,
} from '../../circuits/index.js'
import { loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import { parseManifest, type Manifest } from '../../core/index.js'
import { sampleManifest } from '../helpers/manifest.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const params = sensorStatsParams(CIRCUIT)
const vkeyHash = getCircuitManifest(CIRCUIT).files.vkey
const FULL_WIDTH = (1n << 32n) - 1n

type Batch = ProofBundle['batches'][number]

/** What a manifest says of one series beyond what its proofs give: its id, device and stated valid range. */
interface SeriesSpec {
  seriesId: bigint
  device: DeviceKey
  range: { lo: number; hi: number }
}

describe('verifyDatasetProofs: everything the manifest states against the proofs', function () {
  this.timeout(600_000)
  let circuit: Awaited<ReturnType<typeof loadCircuit>>
  let alice: DeviceKey
  let bob: DeviceKey
  /** Series 0: alice's, 3 batches counted in [0, 20]; series 1: bob's, 2 batches in [1000, 3000]; series 2: alice's, no valid range. */
  let honest: Batch[]
  let specs: SeriesSpec[]
  /** Bob's batch signed as series 0's batch 2, and a batch of series 0 counted over the whole width. */
  let bobsInSeries0: Batch
  let wholeWidthInSeries0: Batch

  async function prove(
    series: number,
    signer: DeviceKey,
    seriesId: bigint,
    index: number,
    batch: BatchReadings,
    band: { lo: bigint; hi: bigint },
  ): Promise<Batch> {
    const salt = BigInt(7000 + series * 100 + index) + seriesId
    const commitment = await computeBatchCommitment(batch, salt, params)
    const signature = await signBatch(signer, commitment, seriesId, BigInt(index))
    const prepared = await prepareBatch(batch, params, { ...band, seriesId, batchIndex: BigInt(index), salt, device: signer, signature })
    const { proof, publicSignals } = await generateProof(circuit, prepared.input)
    return { series, index, count: batch.values.length, publicSignals, proof: proof as Batch['proof'] }
  }

  const readings = (values: number[], t0: number): BatchReadings => ({
    values: values.map(BigInt),
    times: values.map((_, i) => BigInt(t0 + i * 60)),
  })
  const cycle = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => (from + i * 3) % 31)
  const around2000 = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => 1500 + ((from + i * 137) % 1000))

  /**
   * The manifest a publisher would write for these batches, every statement taken from the proofs
   * (series counts, times, statistics, commitments, root) except each series' id, device and range.
   */
  async function manifestFor(batches: readonly Batch[], series: readonly SeriesSpec[]): Promise<Manifest> {
    const signals = batches.map((b) => parsePublicSignals(b.publicSignals))
    const totals = series.map((_, i) => combineBatchStats(signals.filter((_, k) => batches[k]!.series === i)))
    const encoding = { scale: 0, offset: 0 }
    const devices = [alice, bob].map((d, i) => ({
      deviceId: d.deviceId.toString(),
      publicKey: { x: d.Ax.toString(), y: d.Ay.toString() },
      label: ['alice', 'bob'][i]!,
    }))
    return parseManifest(
      sampleManifest({
        devices,
        series: series.map((s, i) => ({
          seriesId: s.seriesId.toString(),
          deviceId: s.device.deviceId.toString(),
          metric: `metric ${i}`,
          unit: '',
          ...encoding,
          count: Number(totals[i]!.count),
          firstTime: Number(totals[i]!.firstTime),
          lastTime: Number(totals[i]!.lastTime),
        })),
        commitments: {
          root: (await computeDatasetRoot(signals.map((s) => s.commitment))).toString(),
          batches: signals.map((s) => s.commitment.toString()),
        },
        proofs: { circuitId: CIRCUIT, vkeyHash, bundleCid: sampleManifest().proofs.bundleCid },
        stats: series.map((s, i) => {
          const { std: _std, ...d } = decodeSeriesStats(totals[i]!, encoding)
          return { seriesId: s.seriesId.toString(), ...d, range: s.range }
        }),
      }),
    )
  }

  const bundleOf = (batches: readonly Batch[]): ProofBundle => ({ version: 1, circuitId: CIRCUIT, vkeyHash, batches: [...batches] })

  async function verify(batches: readonly Batch[], manifest: Manifest) {
    return verifyDatasetProofs(manifest, bundleOf(batches), {
      vkey: circuit.vkey,
      vkeyHash,
      anchoredRoot: BigInt(manifest.commitments.root),
    })
  }

  /** The check a forged dataset fails: the error's name and message. */
  async function failure(batches: readonly Batch[], manifest: Manifest): Promise<{ name: string; message: string }> {
    const result = await verify(batches, manifest)
    if (result.ok) throw new Error('expected the proofs to fail')
    return { name: result.error.name, message: result.error.message }
  }

  /** What the verifier checked before: the bundle verifies, the root is anchored and no stated statistic differs. */
  async function passesBundleChecks(batches: readonly Batch[], manifest: Manifest): Promise<boolean> {
    const verdict = await verifyProofBundle(bundleOf(batches), {
      vkey: circuit.vkey,
      vkeyHash,
      expectedRoot: BigInt(manifest.commitments.root),
      allowedDevices: new Set(manifest.devices.map((d) => BigInt(d.deviceId))),
    })
    return verdict.ok && misstatedSeries(manifest.stats, manifest.series, verdict.series) === undefined
  }

  before(async () => {
    circuit = await loadCircuit(CIRCUIT)
    alice = await createDeviceKey()
    bob = await createDeviceKey()
    // Series 0 states [-50, 20]: encoded below zero, so proven over [0, 20], as the publisher clamps it.
    specs = [
      { seriesId: 501n, device: alice, range: { lo: -50, hi: 20 } },
      { seriesId: 502n, device: bob, range: { lo: 1000, hi: 3000 } },
      { seriesId: 503n, device: alice, range: { lo: 12, hi: 18 } },
    ]
    const band0 = { lo: 0n, hi: 20n }
    const band1 = { lo: 1000n, hi: 3000n }
    const whole = { lo: 0n, hi: FULL_WIDTH }
    honest = [
      await prove(0, alice, 501n, 0, readings(cycle(1, 16), 0), band0),
      await prove(0, alice, 501n, 1, readings(cycle(5, 16), 960), band0),
      await prove(0, alice, 501n, 2, readings(cycle(9, 4), 1920), band0),
      await prove(1, bob, 502n, 0, readings(around2000(0, 16), 0), band1),
      await prove(1, bob, 502n, 1, readings(around2000(3, 8), 960), band1),
      // No valid range: proven over the whole width, stated as its own [min, max].
      await prove(2, alice, 503n, 0, readings([12, 14, 18, 15, 13], 0), whole),
    ]
    bobsInSeries0 = await prove(0, bob, 501n, 2, readings(cycle(11, 4), 1920), band0)
    wholeWidthInSeries0 = await prove(0, alice, 501n, 2, readings([12, 15, 18, 16], 1920), whole)
  })
  after(releaseProverThreads)

  it('verifies an honest dataset: clamped and absent valid ranges, two devices, every statement as proven', async () => {
    const manifest = await manifestFor(honest, specs)
    const result = await verify(honest, manifest)
    expect(result.ok, result.ok ? '' : result.error.message).to.equal(true)
    if (!result.ok) return
    expect(result.misstated).to.equal(undefined)
    expect(result.verdict.series.map((s) => [s.count, s.lo, s.hi])).to.deep.equal([
      [36n, 0n, 20n],
      [24n, 1000n, 3000n],
      [5n, 0n, FULL_WIDTH],
    ])
  })

  it('rejects a manifest that states a narrower valid range than the proofs counted in', async () => {
    const manifest = await manifestFor(honest, specs)
    manifest.stats[1]!.range = { lo: 1999, hi: 2001 }
    // The bundle checks alone accepted it: the in-range share is the proofs', only its range is not.
    expect(await passesBundleChecks(honest, manifest)).to.equal(true)
    expect(await failure(honest, manifest)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: "series 1 batch 0: proven valid range [1000, 3000] is not the manifest's [1999, 2001]",
    })
    const result = await verify(honest, manifest)
    expect(result.ok ? undefined : result.error).to.include({
      series: 1,
      batch: 0,
      field: 'range',
      stated: '[1999, 2001]',
      proven: '[1000, 3000]',
    })
  })

  it('compares a valid range only where the readings are: series 2 (12..18, proven over the whole width) may state [10, 100], not [13, 18]', async () => {
    const manifest = await manifestFor(honest, specs)
    manifest.stats[2]!.range = { lo: 13, hi: 18 }
    expect(await failure(honest, manifest)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: "series 2 batch 0: proven valid range [0, 4294967295] is not the manifest's [13, 18]",
    })
    manifest.stats[2]!.range = { lo: 10, hi: 100 }
    expect((await verify(honest, manifest)).ok).to.equal(true)
  })

  it('rejects batches proven for another series filed under a series of their own (series 1 again, as series 3)', async () => {
    const copied = [...honest, ...honest.filter((b) => b.series === 1).map((b) => ({ ...b, series: 3 }))]
    const manifest = await manifestFor(copied, [...specs, { seriesId: 504n, device: bob, range: { lo: 1000, hi: 3000 } }])
    expect(await passesBundleChecks(copied, manifest)).to.equal(true)
    expect(await failure(copied, manifest)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: "series 3 batch 0: proven series id 502 is not the manifest's 504",
    })
  })

  it('rejects a batch signed by another of the dataset’s devices than its series’ device', async () => {
    const spliced = honest.map((b) => (b.series === 0 && b.index === 2 ? bobsInSeries0 : b))
    const manifest = await manifestFor(spliced, specs)
    expect(await passesBundleChecks(spliced, manifest)).to.equal(true)
    expect(await failure(spliced, manifest)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: `series 0 batch 2: proven device id ${bob.deviceId} is not the manifest's ${alice.deviceId}`,
    })
  })

  it('rejects a gap, a repeat and a reordering of a series’ batch indices, naming the batch', async () => {
    const manifest = await manifestFor(honest, specs)
    const [a0, a1, a2, ...rest] = honest as [Batch, Batch, Batch, ...Batch[]]
    const gapped = [a0, a2, ...rest]
    expect(await failure(gapped, await manifestFor(gapped, specs))).to.deep.equal({
      name: 'BatchSequenceError',
      message: 'series 0: batch 1 is missing',
    })
    expect(await failure([a0, a1, a1, a2, ...rest], manifest)).to.deep.equal({
      name: 'BatchSequenceError',
      message: 'series 0: batch 1 appears twice',
    })
    expect(await failure([a0, a2, a1, ...rest], manifest)).to.deep.equal({
      name: 'BatchSequenceError',
      message: 'series 0: batch 2 comes before batch 1',
    })
    // The proofs' indices count, not the bundle's labels.
    expect(await failure([a0, { ...a2, index: 1 }, ...rest], manifest)).to.deep.equal({
      name: 'BatchSequenceError',
      message: 'series 0: batch 1 is missing',
    })
  })

  it('rejects a series without batches, batches filed under a series the manifest lacks, and series out of order', async () => {
    const manifest = await manifestFor(honest, specs)
    const series1 = honest.filter((b) => b.series === 1)
    expect(
      await failure(
        honest.filter((b) => b.series !== 1),
        manifest,
      ),
    ).to.deep.equal({
      name: 'BatchSequenceError',
      message: 'series 1: no batch proof',
    })
    expect(await failure([...honest, { ...honest[5]!, series: 3 }], manifest)).to.deep.equal({
      name: 'BatchSequenceError',
      message: 'series 3: batch 0 is filed under a series the manifest does not have (it has 3)',
    })
    expect(await failure([...series1, ...honest.filter((b) => b.series !== 1)], manifest)).to.deep.equal({
      name: 'BatchSequenceError',
      message: 'series 0: no batch proof',
    })
  })

  it('rejects batch counts, first or last times that are not the series’', async () => {
    const manifest = await manifestFor(honest, specs)
    // Only the statistics' count was compared before.
    expect(
      await passesBundleChecks(honest, { ...manifest, series: manifest.series.map((s, i) => (i === 0 ? { ...s, count: 35 } : s)) }),
    ).to.equal(true)
    for (const [change, message] of [
      [{ count: 35 }, "series 0: proven count 36 is not the manifest's 35"],
      [{ firstTime: 60 }, "series 0: proven first time 0 is not the manifest's 60"],
      [{ lastTime: 99_999 }, "series 0: proven last time 2100 is not the manifest's 99999"],
    ] as const) {
      const changed = { ...manifest, series: manifest.series.map((s, i) => (i === 0 ? { ...s, ...change } : s)) }
      expect(await failure(honest, changed)).to.deep.equal({ name: 'ManifestProofMismatchError', message })
    }
  })

  it('rejects statistics stated for another series id, and commitments that are not the proven ones', async () => {
    const manifest = await manifestFor(honest, specs)
    const relabelled = { ...manifest, stats: manifest.stats.map((s, i) => (i === 1 ? { ...s, seriesId: '777' } : s)) }
    expect(await failure(honest, relabelled)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: "series 1: proven series id 502 is not its statistics' 777",
    })
    const commitments = manifest.commitments.batches.map((c, i) => (i === 4 ? '12345' : c))
    expect(await failure(honest, { ...manifest, commitments: { ...manifest.commitments, batches: commitments } })).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: `series 1 batch 1: proven commitment ${parsePublicSignals(honest[4]!.publicSignals).commitment} is not the manifest's 12345`,
    })
  })

  it('rejects batches of one series proven against different valid ranges, even when each holds its readings', async () => {
    const mixed = honest.map((b) => (b.series === 0 && b.index === 2 ? wholeWidthInSeries0 : b))
    expect(await failure(mixed, await manifestFor(honest, specs))).to.deep.equal({
      name: 'BatchRangeMismatchError',
      message: 'series 0 batch 2: proven against the in-range band [0, 4294967295], batch 0 against [0, 20] (encoded)',
    })
  })

  it('rejects decoded outputs outside the circuit’s bounds before verifying any proof', async () => {
    const manifest = await manifestFor(honest, specs)
    const signals = parsePublicSignals(honest[3]!.publicSignals)
    const overfull = { ...honest[3]!, count: 17, publicSignals: packPublicSignals({ ...signals, count: 17n }) }
    expect(await failure([...honest.slice(0, 3), overfull, ...honest.slice(4)], manifest)).to.deep.equal({
      name: 'PublicSignalsError',
      message: 'series 1 batch 0: count 17 is outside [1, 16]',
    })
    const outOfRange = { ...honest[3]!, publicSignals: packPublicSignals({ ...signals, inRange: 17n }) }
    expect(await failure([...honest.slice(0, 3), outOfRange, ...honest.slice(4)], manifest)).to.deep.equal({
      name: 'PublicSignalsError',
      message: 'series 1 batch 0: inRange 17 is above count 16',
    })
  })

  it('rejects a proof that does not verify, and a bundle made with another circuit than the manifest’s', async () => {
    const manifest = await manifestFor(honest, specs)
    const forged = structuredClone(honest)
    forged[0]!.publicSignals[4] = (BigInt(forged[0]!.publicSignals[4]!) + 1n).toString() // sum + 1
    expect(await failure(forged, manifest)).to.deep.equal({
      name: 'BundleVerificationError',
      message: 'series 0 batch 0: proof does not verify',
    })
    expect(await failure(honest, { ...manifest, proofs: { ...manifest.proofs, circuitId: 'sensor-stats-16bit-b400-v2' } })).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: 'the proof bundle is for circuit sensor-stats-b16-v2, the manifest names sensor-stats-16bit-b400-v2',
    })
  })
})
