import { expect } from 'chai'
import { LeanIMT } from '@zk-kit/lean-imt'
import { decodeValue, encodeValue, inferEncoding } from '../../core/index.js'
import {
  combineBatchStats,
  computeBatchStats,
  computeDatasetRoot,
  decodeSeriesStats,
  getPoseidon,
  proveBatchInclusion,
  type ProvenBatch,
} from '../../circuits/index.js'
import { readOccupancyColumn } from '../helpers/datasets.js'

// Real readings: UCI Occupancy Detection (Candanedo & Feldheim 2016, CC BY 4.0), temperature in °C.
const temperature = readOccupancyColumn('Temperature')

/** One reading's batch outputs (value 1 at time 50, band [0, 9]), changed where a test says. */
const oneReading = (over: Partial<ProvenBatch> = {}): ProvenBatch => ({
  count: 1n,
  lo: 0n,
  hi: 9n,
  sum: 1n,
  sumSq: 1n,
  min: 1n,
  max: 1n,
  inRange: 1n,
  firstTime: 50n,
  lastTime: 50n,
  maxGap: 0n,
  ...over,
})

describe('dataset statistics from batch outputs', () => {
  const encoding = inferEncoding(temperature.map((r) => r.text))
  const B = 16
  const batches: ProvenBatch[] = []
  for (let i = 0; i < temperature.length; i += B) {
    const slice = temperature.slice(i, i + B)
    const batch = { values: slice.map((r) => encodeValue(r.text, encoding)), times: slice.map((r) => r.time) }
    const band = { lo: encodeValue('20', encoding), hi: encodeValue('24', encoding) }
    batches.push({ ...computeBatchStats(batch, band.lo, band.hi), ...band, count: BigInt(slice.length) })
  }

  it('combines 509 batches of the occupancy file into the statistics of the whole column', () => {
    // The readings at the encoding's resolution (a few rows hold averages with more digits).
    const values = temperature.map((r) => decodeValue(encodeValue(r.text, encoding), encoding))
    const n = values.length
    const mean = values.reduce((a, b) => a + b, 0) / n
    const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / n
    let maxGap = 0
    for (let i = 1; i < n; i++) maxGap = Math.max(maxGap, Number(temperature[i]!.time - temperature[i - 1]!.time))

    const stats = decodeSeriesStats(combineBatchStats(batches), encoding)
    expect(batches).to.have.length(Math.ceil(n / B))
    expect(stats.count).to.equal(n)
    expect(stats.mean).to.be.closeTo(mean, 1e-9)
    expect(stats.variance).to.be.closeTo(variance, 1e-9)
    expect(stats.min).to.equal(Math.min(...values))
    expect(stats.max).to.equal(Math.max(...values))
    expect(stats.inRangeShare).to.equal(values.filter((v) => v >= 20 && v <= 24).length / n)
    expect(stats.firstTime).to.equal(Number(temperature[0]!.time))
    expect(stats.lastTime).to.equal(Number(temperature[n - 1]!.time))
    expect(stats.maxGap).to.equal(maxGap)
  })

  it('counts the gap between two batches in the largest gap', () => {
    const a: ProvenBatch = {
      count: 2n,
      lo: 0n,
      hi: 9n,
      sum: 3n,
      sumSq: 5n,
      min: 1n,
      max: 2n,
      inRange: 2n,
      firstTime: 0n,
      lastTime: 10n,
      maxGap: 10n,
    }
    const b: ProvenBatch = { ...a, firstTime: 100n, lastTime: 110n }
    expect(combineBatchStats([a, b]).maxGap).to.equal(90n)
  })

  it('rejects batches out of time order with BatchOrderError', () => {
    const a = oneReading()
    expect(() => combineBatchStats([a, { ...a, firstTime: 50n, lastTime: 60n }]))
      .to.throw(Error, 'batch 1')
      .with.property('name', 'BatchOrderError')
    expect(() => combineBatchStats([]))
      .to.throw(Error)
      .with.property('name', 'BatchOrderError')
  })

  it('refuses batches proven against different in-range bands with BatchRangeMismatchError', () => {
    const a = oneReading({ lo: 10n, hi: 20n, sum: 15n, sumSq: 225n, min: 15n, max: 15n, firstTime: 0n, lastTime: 0n })
    const wider = { ...a, lo: 0n, hi: 30n, firstTime: 60n, lastTime: 60n }
    expect(() => combineBatchStats([a, { ...a, firstTime: 30n, lastTime: 30n }, wider], { series: 2 }))
      .to.throw(Error)
      .that.includes({
        name: 'BatchRangeMismatchError',
        message: 'series 2 batch 2: proven against the in-range band [0, 30], batch 0 against [10, 20] (encoded)',
      })
    expect(() => combineBatchStats([a, { ...a, hi: 19n, firstTime: 30n, lastTime: 30n }]))
      .to.throw(Error)
      .that.includes({
        name: 'BatchRangeMismatchError',
        message: 'batch 1: proven against the in-range band [10, 19], batch 0 against [10, 20] (encoded)',
      })
  })

  it('names the series of a batch out of time order when the caller gives it', () => {
    const a = oneReading()
    expect(() => combineBatchStats([a, a], { series: 3 }))
      .to.throw(Error)
      .that.includes({ name: 'BatchOrderError', message: "series 3 batch 1: starts at 50, not after the previous batch's last time 50" })
  })

  it('roots the batch commitments in a Poseidon LeanIMT with verifiable inclusion proofs', async () => {
    const poseidon = await getPoseidon()
    const hash = (x: bigint, y: bigint): bigint => poseidon.F.toObject(poseidon([x, y]))
    expect(await computeDatasetRoot([42n])).to.equal(42n)
    expect(await computeDatasetRoot([1n, 2n])).to.equal(hash(1n, 2n))
    expect(await computeDatasetRoot([1n, 2n, 3n])).to.equal(hash(hash(1n, 2n), 3n))
    const leaves = Array.from({ length: 11 }, (_, i) => BigInt(i * 7 + 1))
    const proof = await proveBatchInclusion(leaves, 6)
    expect(proof.root).to.equal(await computeDatasetRoot(leaves))
    expect(LeanIMT.verifyProof(proof, hash)).to.equal(true)
    expect(LeanIMT.verifyProof({ ...proof, leaf: proof.leaf + 1n }, hash)).to.equal(false)
  })
})
