import { expect } from 'chai'
import { decodeValue, encodeValue, inferEncoding, scaleDecimal } from '../../core/index.js'

describe('fixed-point codec', () => {
  it('scales decimals exactly, rounding half away from zero', () => {
    expect(scaleDecimal('1.005', 2)).to.equal(101n) // 1.005 * 100 in floating point is 100.49999…
    expect(scaleDecimal(1.005, 2)).to.equal(101n)
    expect(scaleDecimal('-0.5', 0)).to.equal(-1n)
    expect(scaleDecimal('0.4999', 0)).to.equal(0n)
    expect(scaleDecimal('21.5', 3)).to.equal(21500n)
    expect(scaleDecimal('1e-3', 3)).to.equal(1n)
    expect(scaleDecimal('2.5E2', 0)).to.equal(250n)
    expect(scaleDecimal('.25', 2)).to.equal(25n)
  })

  it('encodes with scale and offset and decodes back', () => {
    const enc = { scale: 2, offset: 4000 }
    expect(encodeValue('-12.34', enc)).to.equal(2766n)
    expect(decodeValue(2766n, enc)).to.equal(-12.34)
    expect(encodeValue(0, { scale: 0, offset: 0 })).to.equal(0n)
    expect(encodeValue(2 ** 32 - 1, { scale: 0, offset: 0 })).to.equal(2n ** 32n - 1n)
  })

  it('rejects values outside 32 bits with ValueOutOfRangeError instead of clamping', () => {
    expect(() => encodeValue(2 ** 32, { scale: 0, offset: 0 }))
      .to.throw(Error, 'does not fit')
      .with.property('name', 'ValueOutOfRangeError')
    expect(() => encodeValue('-0.01', { scale: 2, offset: 0 }))
      .to.throw(Error)
      .with.property('name', 'ValueOutOfRangeError')
  })

  it('rejects what is not a number with InvalidNumberError', () => {
    for (const bad of ['', 'NA', '1,5', '--1', NaN, Infinity]) {
      expect(() => encodeValue(bad, { scale: 1, offset: 0 }), String(bad))
        .to.throw(Error)
        .with.property('name', 'InvalidNumberError')
    }
  })

  it('rejects a bad encoding', () => {
    expect(() => encodeValue(1, { scale: 10, offset: 0 })).to.throw(Error, 'scale')
    expect(() => encodeValue(1, { scale: 1, offset: -1 })).to.throw(Error, 'offset')
  })

  it('infers the scale from the data and an offset with headroom for negative readings', () => {
    expect(inferEncoding(['21.5', '22.25', '19'])).to.deep.equal({ scale: 2, offset: 0 })
    const enc = inferEncoding(['-10.5', '30.0', '12.25'])
    expect(enc.scale).to.equal(2)
    expect(enc.offset).to.equal(1050 + 4050)
    for (const v of ['-10.5', '30.0', '12.25']) expect(decodeValue(encodeValue(v, enc), enc)).to.equal(Number(v))
    expect(inferEncoding(['5'], { scale: 3 })).to.deep.equal({ scale: 3, offset: 0 })
  })

  it('lowers the scale when the range would not fit 32 bits', () => {
    const enc = inferEncoding(['0.000000001', '1000'])
    expect(enc.scale).to.be.lessThan(9)
    expect(encodeValue('1000', enc)).to.be.lessThan(2n ** 32n)
  })
})
