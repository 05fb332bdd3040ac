import { expect } from 'chai'
import { DEVELOPMENT_SETUP_WARNING, getCircuitManifest, listCircuits, setupOf, setupOfEntry } from '../../circuits/index.js'

describe('circuit setups', () => {
  const entry = getCircuitManifest('sensor-stats-b16-v2')

  it('calls every committed circuit a development setup, with the warning every verdict carries', () => {
    for (const [id] of listCircuits()) expect(setupOf(id)).to.include({ kind: 'development', warning: DEVELOPMENT_SETUP_WARNING })
  })

  it('calls a ceremony ptau with only the public beacon a development setup: its delta is anyone’s', () => {
    const beaconOnly = {
      ...entry,
      ptau: { power: 16, source: 'ceremony' as const, sha256: 'ab' },
      zkeySetup: 'ceremony' as const,
      notForProduction: false,
    }
    expect(setupOfEntry(beaconOnly).warning).to.equal(DEVELOPMENT_SETUP_WARNING)
    expect(setupOfEntry({ ...beaconOnly, phase2: { contributions: 0 } }).kind).to.equal('development')
  })

  it('calls a ceremony ptau with a contributed phase 2 a ceremony, without the warning', () => {
    const ceremony = {
      ...entry,
      ptau: { power: 16, source: 'ceremony' as const, sha256: 'ab' },
      zkeySetup: 'ceremony' as const,
      phase2: { contributions: 3 },
      notForProduction: false,
    }
    const setup = setupOfEntry(ceremony)
    expect(setup.kind).to.equal('ceremony')
    expect(setup).not.to.have.property('warning')
    // One development step is enough to forge.
    expect(setupOfEntry({ ...ceremony, ptau: { power: 16, source: 'dev-seed' } }).kind).to.equal('development')
    expect(setupOfEntry({ ...ceremony, zkeySetup: 'dev-direct' }).kind).to.equal('development')
  })
})
