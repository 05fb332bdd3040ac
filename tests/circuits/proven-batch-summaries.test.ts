import { expect } from 'chai'
import {
  packPublicSignals,
  provenBatchSummaries,
  PublicSignalsError,
  type BatchPublicSignals,
  type ProofBundle,
} from '../../circuits/index.js'
import { parseManifest } from '../../core/index.js'
import { sampleManifest } from '../helpers/manifest.js'

/** A batch statement of `count` readings over [min, max] (encoded), summing to `sum`. */
const statement = (
  batchIndex: number,
  o: { count: bigint; sum: bigint; min: bigint; max: bigint; firstTime: bigint },
): BatchPublicSignals => ({
  commitment: 1n,
  deviceId: 123n,
  seriesId: 9n,
  batchIndex: BigInt(batchIndex),
  lo: 0n,
  hi: 20_000n,
  last: 0n,
  sumSq: o.count * o.max ** 2n,
  inRange: o.count,
  lastTime: o.firstTime + (o.count - 1n) * 60n,
  maxGap: o.count > 1n ? 60n : 0n,
  ...o,
})

// What the dataset page's chart draws: each batch's proven count, span, min, max and mean, decoded.
describe('provenBatchSummaries', () => {
  // Two series: temperature (scale 2, offset 10000: encoded = (v + 100) · 100) and a second one without offset.
  const base = sampleManifest()
  const manifest = parseManifest({
    ...base,
    series: [base.series[0]!, { ...base.series[0]!, seriesId: '10', metric: 'co2', unit: 'ppm', scale: 0, offset: 0 }],
  })
  const batches = [
    [0, 1, statement(1, { count: 2n, sum: 801n, min: 400n, max: 401n, firstTime: 2000n })],
    [0, 0, statement(0, { count: 4n, sum: 4n * 12_050n + 2n, min: 12_000n, max: 12_100n, firstTime: 1000n })],
    [1, 0, statement(0, { count: 1n, sum: 700n, min: 700n, max: 700n, firstTime: 1000n })],
  ] as const
  const bundle = (list: ReadonlyArray<readonly [number, number, BatchPublicSignals]>): ProofBundle =>
    ({ batches: list.map(([series, index, s]) => ({ series, index, publicSignals: packPublicSignals(s) })) }) as unknown as ProofBundle

  it('decodes each batch with its series’ encoding, per series in batch order', () => {
    const [temperature, co2] = provenBatchSummaries(manifest, bundle([batches[1], batches[0], batches[2]]))
    expect(temperature).to.deep.equal([
      { batch: 0, count: 4, firstTime: 1000, lastTime: 1180, min: 20, max: 21, mean: (12_050.5 - 10_000) / 100 },
      { batch: 1, count: 2, firstTime: 2000, lastTime: 2060, min: -96, max: -95.99, mean: (400.5 - 10_000) / 100 },
    ])
    expect(co2).to.deep.equal([{ batch: 0, count: 1, firstTime: 1000, lastTime: 1000, min: 700, max: 700, mean: 700 }])
  })

  it('gives a series without batches none, ignores a batch of a series the manifest lacks, and refuses signals that are no statement', () => {
    expect(provenBatchSummaries(manifest, bundle([batches[1]]))[1]).to.deep.equal([])
    expect(provenBatchSummaries(manifest, bundle([[5, 0, batches[1][2]]]))).to.deep.equal([[], []])
    const broken = { batches: [{ series: 0, index: 0, publicSignals: ['1', '2'] }] } as unknown as ProofBundle
    expect(() => provenBatchSummaries(manifest, broken)).to.throw(PublicSignalsError)
  })
})
