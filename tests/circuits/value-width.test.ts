import { expect } from 'chai'
import { getCircuitManifest, narrowestValueBits, selectSensorStatsCircuit, sensorStatsParams } from '../../circuits/index.js'

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

describe('selectSensorStatsCircuit', () => {
  it('picks the production circuit of the narrowest width, with the most readings per proof', () => {
    expect(selectSensorStatsCircuit([0n, 2318n])).to.equal('sensor-stats-16bit-b400-v2')
    expect(selectSensorStatsCircuit([70_000n])).to.equal('sensor-stats-24bit-b336-v2')
    expect(selectSensorStatsCircuit([5n], [1n << 24n])).to.equal('sensor-stats-32bit-b280-v2')
    expect(sensorStatsParams(selectSensorStatsCircuit([1n]))).to.deep.include({ batchSize: 400, valueBits: 16 })
  })

  it('never picks a test circuit', () => {
    expect(getCircuitManifest(selectSensorStatsCircuit([(1n << 32n) - 1n])).purpose).to.equal('production')
  })
})
