import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import { circuitForSystem, getCircuitManifest, getHonkCircuit, listHonkCircuits, sensorStatsParams } from '../../../circuits/index.js'

// Verifiers take an UltraHonk circuit's output limits, version and batch size from the circom
// statement it names: the Noir program must be compiled with exactly those parameters.
describe('the UltraHonk catalogue (circuits.json honk section, circuits/honk-artifacts.json)', () => {
  const catalog = JSON.parse(readFileSync('circuits/circuits.json', 'utf8')) as {
    honk: Array<{ id: string; purpose: string; noir: string; statement: string; verifier: string }>
  }

  it('builds every UltraHonk circuit the catalogue names, and nothing else', () => {
    expect(listHonkCircuits().map(([id]) => id)).to.deep.equal(catalog.honk.map((c) => c.id))
  })

  for (const spec of catalog.honk) {
    it(`${spec.id}: its Noir program has its statement's B, value, time and gap widths; same purpose; a committed verifier`, () => {
      const main = readFileSync(join('circuits', 'noir', spec.noir, 'src', 'main.nr'), 'utf8')
      const b = /global B: u32 = (\d+);/.exec(main)?.[1]
      const generic = /sensor_stats_v2::<B, (\d+), (\d+), (\d+)>/.exec(main)
      const params = sensorStatsParams(spec.statement)
      expect([Number(b), ...(generic?.slice(1).map(Number) ?? [])]).to.deep.equal([
        params.batchSize,
        params.valueBits,
        params.timeBits,
        params.gapBits,
      ])
      expect(sensorStatsParams(spec.id)).to.deep.equal(params)
      expect(getCircuitManifest(spec.statement).purpose).to.equal(spec.purpose)
      expect(getHonkCircuit(spec.id)).to.include({ statement: spec.statement, verifier: spec.verifier, noir: spec.noir })
      expect(existsSync(join('contracts', 'src', 'generated', `${spec.verifier}.sol`))).to.equal(true)
      expect(circuitForSystem(spec.statement, 'ultrahonk')).to.equal(spec.id)
      expect(circuitForSystem(spec.id, 'groth16')).to.equal(spec.statement)
    })
  }
})
