import { expect } from 'chai'
import { packPublicSignals, parsePublicSignals, type BatchPublicSignals } from '../../circuits/index.js'

const statement: BatchPublicSignals = {
  commitment: 123n,
  deviceId: 456n,
  seriesId: 789n,
  batchIndex: (1n << 32n) - 1n,
  count: 400n,
  lo: 0n,
  hi: (1n << 32n) - 1n,
  sum: 400n * ((1n << 32n) - 1n),
  sumSq: 400n * ((1n << 32n) - 1n) ** 2n,
  inRange: 400n,
  min: 0n,
  max: (1n << 32n) - 1n,
  firstTime: (1n << 48n) - 1n,
  lastTime: (1n << 49n) - 1n,
  maxGap: 1n << 24n,
}

describe('packed public signals', () => {
  it('round-trip every statement at the edges of its slot', () => {
    const signals = packPublicSignals(statement)
    expect(signals).to.have.length(6)
    expect(parsePublicSignals(signals)).to.deep.equal(statement)
  })

  it('refuse to pack a value wider than its slot', () => {
    expect(() => packPublicSignals({ ...statement, count: 1n << 16n }))
      .to.throw(Error, 'count')
      .with.property('name', 'PublicSignalsError')
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
