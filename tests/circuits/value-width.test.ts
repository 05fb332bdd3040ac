import { expect } from 'chai'
import { narrowestValueBits } from '../../circuits/index.js'

describe('narrowestValueBits', () => {
  it('picks the narrowest of 16, 24 and 32 bits that holds every value and bound', () => {
    expect(narrowestValueBits([0n, 2318n])).to.equal(16)
    expect(narrowestValueBits([65535n])).to.equal(16)
    expect(narrowestValueBits([65536n])).to.equal(24)
    expect(narrowestValueBits([5n], [1n << 24n])).to.equal(32)
    expect(narrowestValueBits([(1n << 32n) - 1n])).to.equal(32)
  })

  it('rejects a value wider than 32 bits with BatchInputError', () => {
    expect(() => narrowestValueBits([1n << 32n]))
      .to.throw(Error, 'does not fit 32 bits')
      .with.property('name', 'BatchInputError')
  })
})
