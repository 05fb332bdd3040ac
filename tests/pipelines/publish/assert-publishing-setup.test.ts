import { expect } from 'chai'
import { DEVELOPMENT_SETUP_WARNING, listCircuits, setupOf } from '../../../circuits/index.js'
import { assertPublishingSetup, DevelopmentSetupError, LOCAL_DEV_CHAIN_ID } from '../../../pipelines/index.js'
import { createErrorHandler } from '../../../server/http-errors.js'

describe('assertPublishingSetup', () => {
  const production = listCircuits().find(([, e]) => e.purpose === 'production')![0]

  it('marks every circuit built from the dev seed with the development warning', () => {
    const setup = setupOf(production)
    expect(setup).to.deep.include({ kind: 'development', zkeySetup: 'dev-direct', warning: DEVELOPMENT_SETUP_WARNING })
    expect(setup.ptau.source).to.equal('dev-seed')
    expect(DEVELOPMENT_SETUP_WARNING).to.equal('development setup: anyone can forge these proofs')
  })

  it('refuses a development setup on chain 1, naming the circuit and the override', () => {
    const attempt = () => assertPublishingSetup(undefined, { chainId: 1 })
    expect(attempt).to.throw(DevelopmentSetupError, /ASSAY_ALLOW_DEV_SETUP=1/)
    const err = (() => {
      try {
        assertPublishingSetup('sensor-stats-b16-v2', { chainId: 1 })
      } catch (e) {
        return e
      }
    })()
    expect(err).to.include({ name: 'DevelopmentSetupError', circuitId: 'sensor-stats-b16-v2', chainId: 1 })
  })

  it('allows a development setup on the local development chain', () => {
    expect(LOCAL_DEV_CHAIN_ID).to.equal(31337)
    expect(() => assertPublishingSetup(undefined, { chainId: 31337 })).not.to.throw()
  })

  it('allows a development setup on another chain when the operator forces it', () => {
    expect(() => assertPublishingSetup(production, { chainId: 1, allowDevelopmentSetup: true })).not.to.throw()
  })

  it('is a 409 with its message over HTTP', () => {
    let status = 0
    let body: unknown
    const res = { status: (s: number) => ((status = s), { json: (b: unknown) => (body = b) }) }
    createErrorHandler(() => {})(new DevelopmentSetupError(production, 1), {} as never, res as never, () => {})
    expect(status).to.equal(409)
    expect(body).to.have.nested.property('error.name', 'DevelopmentSetupError')
  })
})
