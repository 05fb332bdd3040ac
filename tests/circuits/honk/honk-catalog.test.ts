import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'chai'
import { circuitForSystem, getCircuitManifest, getHonkCircuit, listHonkCircuits, sensorStatsParams } from '../../../circuits/index.js'

// Verifiers take an UltraHonk circuit's parameters and commitment from its entry (else from the
// circom statement it names) and its output meaning and version from that statement: the Noir program
// must be compiled with exactly those parameters and call the statement of its commitment.
describe('the UltraHonk catalogue (circuits.json honk section, circuits/honk-artifacts.json)', () => {
  const catalog = JSON.parse(readFileSync('circuits/circuits.json', 'utf8')) as {
    honk: Array<{ id: string; purpose: string; noir: string; statement: string; params?: number[]; commitment?: string; verifier: string }>
  }

  it('builds every UltraHonk circuit the catalogue names, and nothing else', () => {
    expect(listHonkCircuits().map(([id]) => id)).to.deep.equal(catalog.honk.map((c) => c.id))
  })

  for (const spec of catalog.honk) {
    it(`${spec.id}: its Noir program has its B, value, time and gap widths and commitment; its statement's purpose; a committed verifier`, () => {
      const main = readFileSync(join('circuits', 'noir', spec.noir, 'src', 'main.nr'), 'utf8')
      const b = /global B: u32 = (\d+);/.exec(main)?.[1]
      const generic = /sensor_stats_v2::sensor_stats_(v2|v3)::<B, (\d+), (\d+), (\d+)>/.exec(main)
      const params = sensorStatsParams(spec.id)
      expect([Number(b), ...(generic?.slice(2).map(Number) ?? [])]).to.deep.equal([
        params.batchSize,
        params.valueBits,
        params.timeBits,
        params.gapBits,
      ])
      expect(generic?.[1]).to.equal(spec.commitment === 'poseidon2' ? 'v3' : 'v2')
      expect(params.commitment).to.equal(spec.commitment)
      const statement = sensorStatsParams(spec.statement)
      expect(params.valueBits).to.equal(statement.valueBits)
      expect(params.timeBits).to.equal(statement.timeBits)
      expect(params.gapBits).to.equal(statement.gapBits)
      expect(getCircuitManifest(spec.statement).purpose).to.equal(spec.purpose)
      expect(getHonkCircuit(spec.id)).to.include({ statement: spec.statement, verifier: spec.verifier, noir: spec.noir })
      expect(existsSync(join('contracts', 'src', 'generated', `${spec.verifier}.sol`))).to.equal(true)
      expect(circuitForSystem(spec.statement, 'ultrahonk')).to.equal(spec.id)
      expect(circuitForSystem(spec.id, 'groth16')).to.equal(spec.statement)
    })
  }
})
