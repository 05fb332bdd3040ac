import { expect } from 'chai'
import { createAssayClient, VerificationError } from '../../sdk/index.js'
import { caught } from '../helpers/errors.js'

/** A node that answers every request with `body` and `status`. */
const nodeAnswering = (body: unknown, status = 200) =>
  createAssayClient({
    node: 'http://node.test',
    fetch: () => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })),
  })

describe('the SDK checks every answer against the API contract', () => {
  it('refuses a dataset page of another shape with a named VerificationError, not a TypeError later', async () => {
    const err = await caught(() => nodeAnswering({ datasetId: '1', title: 42 }).get(1n))
    expect(err).to.be.instanceOf(VerificationError)
    expect((err as VerificationError).check).to.equal('response')
    expect(err.message).to.match(/^response: GET \/datasets\/:id answered 200 with a body its contract does not allow \(/)
  })

  it('refuses a search page whose items are not catalog entries', async () => {
    const err = await caught(() => nodeAnswering({ total: 1, limit: 20, offset: 0, items: [{ datasetId: '1' }] }).search())
    expect(err.message).to.match(/^response: GET \/datasets answered 200 .*\(items\.0\./)
  })

  it('drops fields the contract does not declare', async () => {
    expect(await nodeAnswering({ operator: true, injected: '<script>' }).operatorSession()).to.deep.equal({ operator: true })
  })

  it('reads the 503 health report too, checked against the same contract', async () => {
    const report = await nodeAnswering({ ok: false, services: { redis: { ok: false, embedded: true, detail: {} } } }, 503).health()
    expect(report.ok).to.equal(false)
    const err = await caught(() => nodeAnswering({ ok: 'no' }, 503).health())
    expect(err.name).to.equal('VerificationError')
  })
})
