import { expect } from 'chai'
import {
  computeBatchCommitment,
  createDeviceKey,
  deviceIdOf,
  deviceKeyFault,
  generateProof,
  getCircuitManifest,
  InvalidDeviceKeyError,
  misstatedSeries,
  packPublicSignals,
  parsePublicSignals,
  prepareBatch,
  sensorStatsParams,
  seriesIdOf,
  SNARK_FIELD,
  verifyBatchSignature,
  verifyDatasetProofs,
  verifyProofBundle,
  type BatchReadings,
  type DeviceKey,
  type ProofBundle,
  type SeriesMeaning,
} from '../../circuits/index.js'
import { BASE8 } from '../../circuits/babyjub.js'
import { committedSetupRecords, loadCircuit, releaseProverThreads } from '../../circuits/node.js'
import type { AssayError, Manifest } from '../../core/index.js'
import { manifestForBatches, proveBatch, seriesSpec, type Batch, type SeriesSpec } from '../helpers/proven-dataset.js'

const CIRCUIT = 'sensor-stats-b16-v2'
const params = sensorStatsParams(CIRCUIT)
const vkeyHash = getCircuitManifest(CIRCUIT).files.vkey
const FULL_WIDTH = (1n << 32n) - 1n

/** A rejected dataset's error, with the properties the named errors carry (series, batch, field...). */
type Rejection = AssayError & { series?: number; batch?: number; field?: string; stated?: string; proven?: string }

describe('verifyDatasetProofs: everything the manifest states against the proofs', function () {
  this.timeout(600_000)
  let circuit: Awaited<ReturnType<typeof loadCircuit>>
  let alice: DeviceKey
  let bob: DeviceKey
  /**
   * Series 0: alice's temperature (°C, scale 0), 3 batches counted in [0, 20]; series 1: bob's co2
   * (ppm, scale 1), 2 batches in [100.0, 300.0]; series 2: alice's temperature again (another
   * nonce), no valid range. The last batch of each is signed last.
   */
  let honest: Batch[]
  let specs: SeriesSpec[]
  /** Bob's batch signed as series 0's batch 2 (with series 0's meaning and band). */
  let bobsInSeries0: Batch
  /** Alice's batch 2 of series 0's meaning, counted over the whole width (so another series id). */
  let wholeWidthInSeries0: Batch
  /** Alice's batch 2 of series 0's metric, unit, encoding and band, but signed under another nonce. */
  let otherNonceInSeries0: Batch
  /** Series 0's batch 1 (same readings), signed last although batch 2 follows it. */
  let markedLastInSeries0: Batch

  /** Signs and proves one batch of a series; `last` marks the series' final batch. */
  const prove = (
    series: number,
    index: number,
    batch: BatchReadings,
    signed: Pick<SeriesSpec, 'device' | 'meaning' | 'band'>,
    last: boolean,
  ): Promise<Batch> => proveBatch(circuit, params, { series, index, last }, batch, signed)

  const spec = seriesSpec

  const readings = (values: number[], t0: number): BatchReadings => ({
    values: values.map(BigInt),
    times: values.map((_, i) => BigInt(t0 + i * 60)),
  })
  const cycle = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => (from + i * 3) % 31)
  const around2000 = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => 1500 + ((from + i * 137) % 1000))

  const manifestFor = (batches: readonly Batch[], series: readonly SeriesSpec[]): Promise<Manifest> =>
    manifestForBatches(
      batches,
      series,
      [
        { key: alice, label: 'alice' },
        { key: bob, label: 'bob' },
      ],
      { circuitId: CIRCUIT, vkeyHash },
    )

  const bundleOf = (batches: readonly Batch[]): ProofBundle => ({ version: 1, circuitId: CIRCUIT, vkeyHash, batches: [...batches] })

  async function verify(batches: readonly Batch[], manifest: Manifest) {
    return verifyDatasetProofs(manifest, bundleOf(batches), {
      vkey: circuit.vkey,
      vkeyHash,
      setupRecord: (await committedSetupRecords())[CIRCUIT]!.record,
      anchoredRoot: BigInt(manifest.commitments.root),
    })
  }

  /** The error a forged dataset fails with. */
  async function rejection(batches: readonly Batch[], manifest: Manifest): Promise<Rejection> {
    const result = await verify(batches, manifest)
    if (result.ok) throw new Error('expected the proofs to fail')
    return result.error
  }

  /** The check a forged dataset fails: the error's name and message. */
  async function failure(batches: readonly Batch[], manifest: Manifest): Promise<{ name: string; message: string }> {
    const { name, message } = await rejection(batches, manifest)
    return { name, message }
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

  /** A manifest whose series `i` states `change` instead of what its device signed. */
  const restated = (manifest: Manifest, i: number, change: Partial<Manifest['series'][number]>): Manifest => ({
    ...manifest,
    series: manifest.series.map((s, k) => (k === i ? { ...s, ...change } : s)),
  })

  before(async () => {
    circuit = await loadCircuit(CIRCUIT)
    alice = await createDeviceKey()
    bob = await createDeviceKey()
    const temperature = { metric: 'temperature', unit: '°C', scale: 0, offset: 0 }
    const co2 = { metric: 'co2', unit: 'ppm', scale: 1, offset: 0 }
    // Series 0 states [-50, 20]: encoded below zero, so proven over [0, 20], as the publisher clamps it.
    // Series 1 states [100, 300] ppm at scale 1: encoded [1000, 3000].
    // Series 2 has no valid range: proven over the whole width, stated as its own [min, max].
    specs = [
      await spec(alice, { ...temperature, nonce: 501n }, { lo: 0n, hi: 20n }, { lo: -50, hi: 20 }),
      await spec(bob, { ...co2, nonce: 502n }, { lo: 1000n, hi: 3000n }, { lo: 100, hi: 300 }),
      await spec(alice, { ...temperature, nonce: 503n }, { lo: 0n, hi: FULL_WIDTH }, { lo: 12, hi: 18 }),
    ]
    const [s0, s1, s2] = specs as [SeriesSpec, SeriesSpec, SeriesSpec]
    honest = [
      await prove(0, 0, readings(cycle(1, 16), 0), s0, false),
      await prove(0, 1, readings(cycle(5, 16), 960), s0, false),
      await prove(0, 2, readings(cycle(9, 4), 1920), s0, true),
      await prove(1, 0, readings(around2000(0, 16), 0), s1, false),
      await prove(1, 1, readings(around2000(3, 8), 960), s1, true),
      await prove(2, 0, readings([12, 14, 18, 15, 13], 0), s2, true),
    ]
    bobsInSeries0 = await prove(0, 2, readings(cycle(11, 4), 1920), { ...s0, device: bob }, true)
    wholeWidthInSeries0 = await prove(0, 2, readings([12, 15, 18, 16], 1920), { ...s0, band: s2.band }, true)
    otherNonceInSeries0 = await prove(0, 2, readings(cycle(9, 4), 1920), { ...s0, meaning: { ...s0.meaning, nonce: 601n } }, true)
    markedLastInSeries0 = await prove(0, 1, readings(cycle(5, 16), 960), s0, true)
  })
  after(releaseProverThreads)

  it('verifies an honest dataset: clamped and absent valid ranges, two devices, every statement as proven', async () => {
    const manifest = await manifestFor(honest, specs)
    const result = await verify(honest, manifest)
    expect(result.ok, result.ok ? '' : result.error.message).to.equal(true)
    if (!result.ok) return
    expect(result.misstated).to.equal(undefined)
    expect(result.knownFlaw).to.equal(undefined)
    expect(result.verdict.series.map((s) => [s.count, s.lo, s.hi])).to.deep.equal([
      [36n, 0n, 20n],
      [24n, 1000n, 3000n],
      [5n, 0n, FULL_WIDTH],
    ])
  })

  it("rejects proofs checked with a key that is not the anchored setup record's, or with another circuit's record", async () => {
    const manifest = await manifestFor(honest, specs)
    const records = await committedSetupRecords()
    const own = records[CIRCUIT]!.record
    // A key that accepts other proofs (another circuit's), under the right hash: the record catches it.
    const swapped = await verifyDatasetProofs(manifest, bundleOf(honest), {
      vkey: records['sensor-stats-16bit-b400-v2']!.record.vkey,
      vkeyHash,
      setupRecord: own,
      anchoredRoot: BigInt(manifest.commitments.root),
    })
    expect(swapped.ok).to.equal(false)
    if (swapped.ok) return
    expect([swapped.error.name, (swapped.error as Rejection).field]).to.deep.equal(['SetupRecordMismatchError', 'vkey'])
    const otherCircuit = await verifyDatasetProofs(manifest, bundleOf(honest), {
      vkey: circuit.vkey,
      vkeyHash,
      setupRecord: records['sensor-stats-16bit-b400-v2']!.record,
      anchoredRoot: BigInt(manifest.commitments.root),
    })
    expect(otherCircuit.ok).to.equal(false)
    if (otherCircuit.ok) return
    expect([otherCircuit.error.name, otherCircuit.error.message]).to.deep.equal([
      'SetupRecordMismatchError',
      `the setup record anchored with the verifier is of circuit sensor-stats-16bit-b400-v2, but the proofs are of ${CIRCUIT}`,
    ])
  })

  it('rejects a manifest that states a narrower valid range than the proofs counted in', async () => {
    const manifest = await manifestFor(honest, specs)
    manifest.stats[1]!.range = { lo: 199.9, hi: 200.1 }
    // The bundle checks alone accepted it: the in-range share is the proofs', only its range is not.
    expect(await passesBundleChecks(honest, manifest)).to.equal(true)
    expect(await failure(honest, manifest)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: "series 1 batch 0: proven valid range [100, 300] is not the manifest's [199.9, 200.1]",
    })
    expect(await rejection(honest, manifest)).to.include({
      series: 1,
      batch: 0,
      field: 'range',
      stated: '[199.9, 200.1]',
      proven: '[100, 300]',
    })
  })

  it('compares a valid range only where the readings are: series 2 (12..18, proven over the whole width) may state [10, 100], not [13, 18]', async () => {
    const manifest = await manifestFor(honest, specs)
    manifest.stats[2]!.range = { lo: 13, hi: 18 }
    expect(await failure(honest, manifest)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: "series 2 batch 0: proven valid range [0, 4294967295] is not the manifest's [13, 18]",
    })
    expect(await rejection(honest, manifest)).to.include({ series: 2, batch: 0, field: 'range' })
    manifest.stats[2]!.range = { lo: 10, hi: 100 }
    expect((await verify(honest, manifest)).ok).to.equal(true)
  })

  describe('what a series’ readings mean, as its device signed it', () => {
    it('rejects a relabelled metric: "humidity" for a series signed as "temperature"', async () => {
      const manifest = restated(await manifestFor(honest, specs), 0, { metric: 'humidity' })
      // Nothing else the proofs state differs: the bundle checks alone accepted it.
      expect(await passesBundleChecks(honest, manifest)).to.equal(true)
      const signed = specs[0]!.seriesId
      const stated = await seriesIdOf(alice.deviceId, { ...specs[0]!.meaning, metric: 'humidity' }, specs[0]!.band)
      const error = await rejection(honest, manifest)
      expect(error).to.include({
        name: 'ManifestProofMismatchError',
        series: 0,
        batch: 0,
        field: 'meaning',
        stated: String(stated),
        proven: String(signed),
      })
      expect(error.message).to.equal(
        `series 0 batch 0: the device signed series id ${signed}, but the manifest's metric "humidity", unit "°C", scale 0, offset 0 and nonce with the proven band give ${stated}: the series is relabelled, rescaled or not the one signed`,
      )
    })

    it('rejects a changed unit, scale (1 → 2) or offset, naming the series and batch', async () => {
      const manifest = await manifestFor(honest, specs)
      const cases: Array<[number, Partial<Omit<SeriesMeaning, 'nonce'>>]> = [
        [0, { unit: '°F' }],
        [1, { unit: 'ppb' }],
        [1, { scale: 2 }],
        [1, { offset: 100 }],
        [2, { offset: 273 }],
      ]
      for (const [i, change] of cases) {
        const s = specs[i]!
        const error = await rejection(honest, restated(manifest, i, change))
        const stated = await seriesIdOf(s.device.deviceId, { ...s.meaning, ...change }, s.band)
        expect(error, JSON.stringify(change)).to.include({
          name: 'ManifestProofMismatchError',
          series: i,
          batch: 0,
          field: 'meaning',
          stated: String(stated),
          proven: String(s.seriesId),
        })
        expect(error.message).to.match(new RegExp(`^series ${i} batch 0: the device signed series id ${s.seriesId}, but the manifest's`))
      }
      // The unit alone is all a unit change touches: the old checks accepted it.
      expect(await passesBundleChecks(honest, restated(manifest, 0, { unit: '°F' }))).to.equal(true)
    })

    it('rejects a v2 dataset whose manifest gives no series nonce, which the signed series id needs', async () => {
      const manifest = await manifestFor(honest, specs)
      const { nonce: _nonce, ...withoutNonce } = manifest.series[1]!
      const error = await rejection(honest, { ...manifest, series: manifest.series.map((s, i) => (i === 1 ? withoutNonce : s)) })
      expect(error).to.include({
        name: 'ManifestProofMismatchError',
        series: 1,
        batch: 0,
        field: 'nonce',
        stated: '(none)',
        proven: String(specs[1]!.seriesId),
      })
      expect(error.message).to.equal(
        'series 1 batch 0: the manifest gives no series nonce, so its metric, unit and encoding cannot be checked against the signed series id',
      )
    })

    it('rejects a manifest nonce that is not the signed one, even with the signed series id stated', async () => {
      const manifest = restated(await manifestFor(honest, specs), 2, { nonce: '504' })
      expect(await rejection(honest, manifest)).to.include({
        name: 'ManifestProofMismatchError',
        series: 2,
        batch: 0,
        field: 'meaning',
        proven: String(specs[2]!.seriesId),
      })
    })
  })

  it('rejects a batch signed for another series of the same device and metric (another nonce), filed under this one', async () => {
    const spliced = honest.map((b) => (b.series === 0 && b.index === 2 ? otherNonceInSeries0 : b))
    const manifest = await manifestFor(spliced, specs)
    const signedFor = await seriesIdOf(alice.deviceId, { ...specs[0]!.meaning, nonce: 601n }, specs[0]!.band)
    const error = await rejection(spliced, manifest)
    expect(error).to.include({
      name: 'ManifestProofMismatchError',
      series: 0,
      batch: 2,
      field: 'seriesId',
      stated: String(specs[0]!.seriesId),
      proven: String(signedFor),
    })
    expect(error.message).to.equal(`series 0 batch 2: proven series id ${signedFor} is not the manifest's ${specs[0]!.seriesId}`)
  })

  it('rejects batches proven for another series filed under a series of their own (series 1 again, as series 3 with another nonce)', async () => {
    const copied = [...honest, ...honest.filter((b) => b.series === 1).map((b) => ({ ...b, series: 3 }))]
    // Series 3 as its manifest states it: bob's co2 like series 1, the same band, another nonce.
    const series3 = await spec(bob, { ...specs[1]!.meaning, nonce: 504n }, specs[1]!.band, specs[1]!.range)
    const manifest = await manifestFor(copied, [...specs, series3])
    expect(await passesBundleChecks(copied, manifest)).to.equal(true)
    expect(await failure(copied, manifest)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: `series 3 batch 0: proven series id ${specs[1]!.seriesId} is not the manifest's ${series3.seriesId}`,
    })
    expect(await rejection(copied, manifest)).to.include({ series: 3, batch: 0, field: 'seriesId' })
    // Stating series 1's id for series 3 (its own nonce, or series 1's): a series is listed once,
    // else its batches would count twice.
    for (const nonce of [series3.meaning.nonce, specs[1]!.meaning.nonce]) {
      const sameId = restated(manifest, 3, { seriesId: String(specs[1]!.seriesId), nonce: String(nonce) })
      sameId.stats[3]!.seriesId = String(specs[1]!.seriesId)
      expect(await failure(copied, sameId)).to.deep.equal({
        name: 'ManifestProofMismatchError',
        message: `series 3: repeats series 1's id ${specs[1]!.seriesId}: a series is listed once`,
      })
      expect(await rejection(copied, sameId)).to.include({ series: 3, field: 'seriesId', proven: 'series 1' })
    }
  })

  it('rejects a batch signed by another of the dataset’s devices than its series’ device', async () => {
    // v2: the signed series id binds the device, so bob's batch cannot carry series 0's id.
    const spliced = honest.map((b) => (b.series === 0 && b.index === 2 ? bobsInSeries0 : b))
    const manifest = await manifestFor(spliced, specs)
    const bobsId = await seriesIdOf(bob.deviceId, specs[0]!.meaning, specs[0]!.band)
    expect(await rejection(spliced, manifest)).to.include({
      name: 'ManifestProofMismatchError',
      message: `series 0 batch 2: proven series id ${bobsId} is not the manifest's ${specs[0]!.seriesId}`,
      series: 0,
      batch: 2,
      field: 'seriesId',
    })
    // A manifest naming alice for bob's series (its id as proven): the proven device is not the manifest's.
    const misattributed = restated(await manifestFor(honest, specs), 1, { deviceId: String(alice.deviceId) })
    expect(await passesBundleChecks(honest, misattributed)).to.equal(true)
    expect(await rejection(honest, misattributed)).to.include({
      name: 'ManifestProofMismatchError',
      message: `series 1 batch 0: proven device id ${bob.deviceId} is not the manifest's ${alice.deviceId}`,
      series: 1,
      batch: 0,
      field: 'deviceId',
    })
  })

  it('rejects a series whose last batch is dropped (the manifest recomputed to match): its new final batch is not marked last', async () => {
    const cut = honest.filter((b) => !(b.series === 0 && b.index === 2))
    const manifest = await manifestFor(cut, specs)
    expect(await passesBundleChecks(cut, manifest)).to.equal(true)
    const error = await rejection(cut, manifest)
    expect(error).to.include({
      name: 'BatchSequenceError',
      series: 0,
      batch: 1,
      message: "series 0: ends at batch 1, which its device did not mark last: the series' trailing batches are missing",
    })
    // Bob's one-batch remainder of series 1 likewise.
    const cut1 = honest.filter((b) => !(b.series === 1 && b.index === 1))
    expect(await rejection(cut1, await manifestFor(cut1, specs))).to.include({ name: 'BatchSequenceError', series: 1, batch: 0 })
  })

  it('rejects a batch marked last followed by another; the series ending where its device marked it verifies', async () => {
    const [a0, , a2, ...rest] = honest as [Batch, Batch, Batch, ...Batch[]]
    const followed = [a0, markedLastInSeries0, a2, ...rest]
    const manifest = await manifestFor(followed, specs)
    expect(await passesBundleChecks(followed, manifest)).to.equal(true)
    expect(await rejection(followed, manifest)).to.include({
      name: 'BatchSequenceError',
      series: 0,
      batch: 1,
      message: 'series 0: batch 1 is marked last by its device, but batch 2 follows it',
    })
    const ended = [a0, markedLastInSeries0, ...rest]
    const result = await verify(ended, await manifestFor(ended, specs))
    expect(result.ok, result.ok ? '' : result.error.message).to.equal(true)
  })

  it('rejects a gap, a repeat and a reordering of a series’ batch indices, naming the batch', async () => {
    const manifest = await manifestFor(honest, specs)
    const [a0, a1, a2, ...rest] = honest as [Batch, Batch, Batch, ...Batch[]]
    const gapped = [a0, a2, ...rest]
    expect(await rejection(gapped, await manifestFor(gapped, specs))).to.include({
      name: 'BatchSequenceError',
      message: 'series 0: batch 1 is missing',
      series: 0,
      batch: 1,
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
    expect(await passesBundleChecks(honest, restated(manifest, 0, { count: 35 }))).to.equal(true)
    for (const [change, message] of [
      [{ count: 35 }, "series 0: proven count 36 is not the manifest's 35"],
      [{ firstTime: 60 }, "series 0: proven first time 0 is not the manifest's 60"],
      [{ lastTime: 99_999 }, "series 0: proven last time 2100 is not the manifest's 99999"],
    ] as const) {
      expect(await failure(honest, restated(manifest, 0, change))).to.deep.equal({ name: 'ManifestProofMismatchError', message })
    }
  })

  it('rejects statistics stated for another series id, and commitments that are not the proven ones', async () => {
    const manifest = await manifestFor(honest, specs)
    const relabelled = { ...manifest, stats: manifest.stats.map((s, i) => (i === 1 ? { ...s, seriesId: '777' } : s)) }
    expect(await failure(honest, relabelled)).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: `series 1: proven series id ${specs[1]!.seriesId} is not its statistics' 777`,
    })
    const commitments = manifest.commitments.batches.map((c, i) => (i === 4 ? '12345' : c))
    expect(await failure(honest, { ...manifest, commitments: { ...manifest.commitments, batches: commitments } })).to.deep.equal({
      name: 'ManifestProofMismatchError',
      message: `series 1 batch 1: proven commitment ${parsePublicSignals(honest[4]!.publicSignals).commitment} is not the manifest's 12345`,
    })
  })

  it('rejects batches of one series proven against different valid ranges, even when each holds its readings', async () => {
    const mixed = honest.map((b) => (b.series === 0 && b.index === 2 ? wholeWidthInSeries0 : b))
    // v2: the band is part of the signed series id, so the mix is refused at the series id...
    const wholeWidthId = await seriesIdOf(alice.deviceId, specs[0]!.meaning, { lo: 0n, hi: FULL_WIDTH })
    expect(await rejection(mixed, await manifestFor(honest, specs))).to.include({
      name: 'ManifestProofMismatchError',
      message: `series 0 batch 2: proven series id ${wholeWidthId} is not the manifest's ${specs[0]!.seriesId}`,
      series: 0,
      batch: 2,
      field: 'seriesId',
    })
    // ...and the bundle checks still name the two bands.
    const verdict = await verifyProofBundle(bundleOf(mixed), { vkey: circuit.vkey, vkeyHash })
    expect(verdict.problems.map((p) => p.problem)).to.include(
      'series 0 batch 2: proven against the in-range band [0, 4294967295], batch 0 against [0, 20] (encoded)',
    )
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
    // The verifier slot's record is of the bundle's circuit: a manifest naming another is caught there first.
    expect(await failure(honest, { ...manifest, proofs: { ...manifest.proofs, circuitId: 'sensor-stats-16bit-b400-v2' } })).to.deep.equal({
      name: 'SetupRecordMismatchError',
      message:
        'the setup record anchored with the verifier is of circuit sensor-stats-b16-v2, but the proofs are of sensor-stats-16bit-b400-v2',
    })
  })

  describe('a device key of small order', () => {
    // (0, −1) has order 2: 8·A is the identity, so S·Base8 = R8 passes circomlibjs's check for any message.
    const smallOrder: [bigint, bigint] = [0n, SNARK_FIELD - 1n]
    const forged = { R8x: BASE8[0], R8y: BASE8[1], S: 1n }

    it('signs nothing: the signature check refuses the key, and the circuit proves no batch for it', async () => {
      expect(deviceKeyFault(smallOrder)).to.equal('small-order')
      const device = { Ax: smallOrder[0], Ay: smallOrder[1] }
      const batch = readings([12, 14, 18], 0)
      const meaning = specs[0]!.meaning
      const band = specs[0]!.band
      const commitment = await computeBatchCommitment(batch, 1n, params)
      const seriesId = await seriesIdOf(await deviceIdOf(...smallOrder), meaning, band)
      const statement = { commitment, seriesId, batchIndex: 0n, last: true }
      const refused = await verifyBatchSignature(device, statement, forged).then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(refused).to.be.instanceOf(InvalidDeviceKeyError).and.include({ name: 'InvalidDeviceKeyError', fault: 'small-order' })
      const prepared = await prepareBatch(batch, params, {
        ...band,
        meaning,
        batchIndex: 0n,
        last: true,
        salt: 1n,
        device,
        signature: forged,
      })
      const failed = await generateProof(circuit, prepared.input).then(
        () => undefined,
        (err: unknown) => err,
      )
      expect(failed).to.be.instanceOf(Error).with.property('name', 'WitnessError')
    })

    it('rejects a series the manifest attributes to a small-order key: its proofs are another device’s', async () => {
      const manifest = await manifestFor(honest, specs)
      const deviceId = String(await deviceIdOf(...smallOrder))
      const attributed = restated(
        { ...manifest, devices: [...manifest.devices, { deviceId, publicKey: { x: '0', y: String(smallOrder[1]) }, gateway: false }] },
        0,
        { deviceId },
      )
      // Refused at the key itself, naming the series that uses it, before any batch is read.
      const err = await rejection(honest, attributed)
      expect(err).to.include({ name: 'ManifestProofMismatchError', field: 'devices.2.publicKey', proven: 'small-order' })
      expect(err.message).to.match(/^device 2 of series 0: \(0, \d+\) is not a device key: /)
    })

    it('rejects a manifest listing a small-order device key, a key swapped in for a signer’s, or an id that is not its key’s', async () => {
      const manifest = await manifestFor(honest, specs)
      const key = { x: '0', y: String(smallOrder[1]) }
      const listed = {
        ...manifest,
        devices: [...manifest.devices, { deviceId: String(await deviceIdOf(...smallOrder)), publicKey: key, gateway: false }],
      }
      expect(await rejection(honest, listed)).to.include({
        name: 'ManifestProofMismatchError',
        field: 'devices.2.publicKey',
        proven: 'small-order',
      })
      const swapped = { ...manifest, devices: manifest.devices.map((d, i) => (i === 0 ? { ...d, publicKey: key } : d)) }
      const err = await rejection(honest, swapped)
      expect(err).to.include({ name: 'ManifestProofMismatchError', field: 'devices.0.publicKey', proven: 'small-order' })
      expect(err.message).to.match(/^device 0 \(alice\) of series 0, 2: \(0, \d+\) is not a device key: /)
      const bobsKey = manifest.devices[1]!.publicKey
      const wrongId = { ...manifest, devices: manifest.devices.map((d, i) => (i === 0 ? { ...d, publicKey: bobsKey } : d)) }
      expect(await rejection(honest, wrongId)).to.include({ field: 'devices.0.deviceId', stated: manifest.devices[0]!.deviceId })
    })
  })
})
