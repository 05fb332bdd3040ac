import { expect } from 'chai'
import { packPublicSignals, parsePublicSignals, sensorStatsParams, type BatchPublicSignals } from '../../circuits/index.js'

const statement: BatchPublicSignals = {
  commitment: 123n,
  deviceId: 456n,
  seriesId: 789n,
  batchIndex: (1n << 32n) - 1n,
  count: 400n,
  lo: 0n,
  hi: (1n << 32n) - 1n,
  last: 1n,
  sum: 400n * ((1n << 32n) - 1n),
  sumSq: 400n * ((1n << 32n) - 1n) ** 2n,
  inRange: 400n,
  min: 0n,
  max: (1n << 32n) - 1n,
  firstTime: (1n << 48n) - 1n,
  // 399 gaps of the widest 2^24 s after the latest first time.
  lastTime: (1n << 48n) - 1n + 399n * (1n << 24n),
  maxGap: 1n << 24n,
}

/** Sixteen readings in [10, 25] a minute apart, twelve of them in [10, 20]: what sensor-stats-b16-v2 can output. */
const batch: BatchPublicSignals = {
  commitment: 1n,
  deviceId: 2n,
  seriesId: 3n,
  batchIndex: 0n,
  count: 16n,
  lo: 10n,
  hi: 20n,
  last: 0n,
  sum: 240n,
  sumSq: 4000n,
  inRange: 12n,
  min: 10n,
  max: 25n,
  firstTime: 1000n,
  lastTime: 1900n,
  maxGap: 60n,
}

describe('packed public signals', () => {
  it('round-trip every statement at the edges of its slot', () => {
    const signals = packPublicSignals(statement)
    expect(signals).to.have.length(6)
    expect(parsePublicSignals(signals)).to.deep.equal(statement)
    expect(parsePublicSignals(signals, { batchSize: 400, valueBits: 32, timeBits: 48, gapBits: 24 })).to.deep.equal(statement)
  })

  it('accept what the circuit can output, within its parameters', () => {
    expect(parsePublicSignals(packPublicSignals(batch), sensorStatsParams('sensor-stats-b16-v2'))).to.deep.equal(batch)
    const single = { ...batch, count: 1n, sum: 25n, sumSq: 625n, inRange: 0n, min: 25n, lastTime: 1000n, maxGap: 0n }
    expect(parsePublicSignals(packPublicSignals(single), sensorStatsParams('sensor-stats-b16-v2'))).to.deep.equal(single)
  })

  it('reject outputs outside their circuit’s bounds, naming the output and the bound', () => {
    const b16 = sensorStatsParams('sensor-stats-b16-v2')
    const narrow = sensorStatsParams('sensor-stats-16bit-b400-v2')
    const cases: Array<[Partial<BatchPublicSignals>, typeof b16, string]> = [
      [{ count: 0n }, b16, 'count 0 is outside [1, 16]'],
      [{ count: 17n }, b16, 'count 17 is outside [1, 16]'],
      [{ lo: 1n << 16n }, narrow, 'lo 65536 is not below 2^16'],
      [{ hi: 1n << 16n }, narrow, 'hi 65536 is not below 2^16'],
      [{ max: 1n << 16n, sum: 1n << 16n }, narrow, 'max 65536 is not below 2^16'],
      [{ firstTime: 1n << 48n, lastTime: (1n << 48n) + 900n }, b16, 'firstTime 281474976710656 is not below 2^48'],
      [{ maxGap: (1n << 24n) + 1n, lastTime: 1000n + 15n * ((1n << 24n) + 1n) }, b16, 'maxGap 16777217 is above 2^24'],
      [{ min: 26n }, b16, 'min 26 is above max 25'],
      [{ inRange: 17n }, b16, 'inRange 17 is above count 16'],
      [{ sum: 159n }, b16, 'sum 159 is outside [count·min, count·max] = [160, 400]'],
      [{ sumSq: 10_001n }, b16, 'sumSq 10001 is outside [count·min², count·max²] = [1600, 10000]'],
      [
        { count: 1n, sum: 10n, sumSq: 100n, inRange: 1n, lastTime: 1000n, maxGap: 0n },
        b16,
        'min 10 and max 25 differ for a single reading',
      ],
      [
        { count: 1n, sum: 25n, sumSq: 625n, inRange: 0n, min: 25n, maxGap: 0n },
        b16,
        'firstTime 1000 and lastTime 1900 differ for a single reading',
      ],
      [{ firstTime: 2000n }, b16, 'firstTime 2000 is after lastTime 1900'],
      [{ lastTime: 1010n, maxGap: 1n }, b16, 'lastTime − firstTime = 10 is too short for 16 strictly increasing times'],
      [{ maxGap: 901n }, b16, 'maxGap 901 is above lastTime − firstTime = 900'],
      [{ maxGap: 59n }, b16, 'maxGap 59 is below the mean gap of 16 readings over 900 s'],
    ]
    for (const [change, limits, message] of cases)
      expect(() => parsePublicSignals(packPublicSignals({ ...batch, ...change }), limits), message)
        .to.throw(Error)
        .that.includes({ name: 'PublicSignalsError', message })
  })

  it('check the relations between outputs even without the circuit’s parameters', () => {
    expect(() => parsePublicSignals(packPublicSignals({ ...batch, count: 0n })))
      .to.throw(Error)
      .that.includes({ name: 'PublicSignalsError', message: 'count 0 is below 1' })
    expect(() => parsePublicSignals(packPublicSignals({ ...batch, inRange: 17n })))
      .to.throw(Error)
      .that.includes({ name: 'PublicSignalsError', message: 'inRange 17 is above count 16' })
    expect(parsePublicSignals(packPublicSignals({ ...batch, count: 17n, sum: 255n }))).to.include({ count: 17n })
  })

  it('refuse to pack a value wider than its slot', () => {
    expect(() => packPublicSignals({ ...statement, count: 1n << 16n }))
      .to.throw(Error, 'count')
      .with.property('name', 'PublicSignalsError')
  })

  it('decode bit 112 of the batch word as the end marker `last`, and refuse any bit beyond it', () => {
    const signals = packPublicSignals(batch)
    const word = BigInt(signals[3]!)
    expect(word >> 112n).to.equal(0n)
    const marked = [...signals]
    marked[3] = (word | (1n << 112n)).toString()
    expect(parsePublicSignals(marked, sensorStatsParams('sensor-stats-b16-v2'))).to.deep.equal({ ...batch, last: 1n })
    expect(packPublicSignals({ ...batch, last: 1n })).to.deep.equal(marked)
    for (const bit of [113n, 120n, 200n]) {
      const beyond = [...signals]
      beyond[3] = (word | (1n << 112n) | (1n << bit)).toString()
      expect(() => parsePublicSignals(beyond), `bit ${bit}`)
        .to.throw(Error)
        .that.includes({ name: 'PublicSignalsError', message: 'public signal batch has bits beyond its layout' })
    }
    expect(() => packPublicSignals({ ...batch, last: 2n }))
      .to.throw(Error)
      .that.includes({ name: 'PublicSignalsError', message: 'last = 2 does not fit its 1-bit slot' })
  })

  it('reject a word with bits beyond its layout, a wrong length, and values that are not field elements', () => {
    const signals = packPublicSignals(statement)
    const over = [...signals]
    over[3] = (BigInt(over[3]!) | (1n << 200n)).toString()
    for (const [bad, message] of [
      [over, 'batch has bits beyond its layout'],
      [signals.slice(0, 5), 'has 6 public signals, got 5'],
      [[...signals.slice(0, 5), '0x12'], 'not a field element'],
      [[...signals.slice(0, 5), (1n << 254n).toString()], 'not below the field modulus'],
    ] as const) {
      expect(() => parsePublicSignals(bad))
        .to.throw(Error, message)
        .with.property('name', 'PublicSignalsError')
    }
  })
})
