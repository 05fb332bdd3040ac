import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import express from 'express'
import {
  createPinningServiceClient,
  pinningEndpoint,
  type PinningServiceRequestError,
  type PinningServiceUnavailableError,
} from '../../storage/index.js'
import { findFreePort } from '../../core/node.js'
import { caught } from '../helpers/errors.js'
import { startPinningService, type TestPinningService } from '../helpers/pinning-service.js'

const CID_A = 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq'
const CID_B = 'bafkreie3ntx3nzvhuv63btdsgaeste6gurdigzw2soryitq6m3f3p24nba'
const TOKEN = 'secret-token-1234567890'

/** An HTTP server answering every request with `handler` (a misbehaving service). */
async function serve(handler: express.RequestHandler): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express()
  app.use(handler)
  const server: Server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

describe('pinning service client (IPFS Pinning Service API)', function () {
  this.timeout(30_000)
  let service: TestPinningService
  before(async () => {
    service = await startPinningService({ token: TOKEN, delayMs: 60_000 })
  })
  after(() => service?.stop())

  it('adds, lists by CID, name and status, gets and removes pin requests', async () => {
    const client = createPinningServiceClient({ url: service.url, token: TOKEN })
    const a = await client.add({ cid: CID_A, name: 'assay-dataset-1', meta: { datasetId: '1', chainId: '31337' } })
    const b = await client.add({ cid: CID_B, name: 'assay-dataset-2' })
    expect([a.status, a.pin.cid, a.pin.name, a.pin.meta]).to.deep.equal([
      'queued',
      CID_A,
      'assay-dataset-1',
      { datasetId: '1', chainId: '31337' },
    ])
    expect((await client.get(a.requestid)).requestid).to.equal(a.requestid)
    // Without a status filter the service lists pinned requests only.
    expect((await client.list({ cid: [CID_A] })).count).to.equal(0)
    const queued = await client.list({ cid: [CID_A, CID_B], status: ['queued', 'pinning'] })
    expect(queued.results.map((r) => r.requestid).sort()).to.deep.equal([a.requestid, b.requestid].sort())
    expect((await client.list({ name: 'assay-dataset-2', status: ['queued'] })).results.map((r) => r.requestid)).to.deep.equal([
      b.requestid,
    ])
    expect((await client.list({ meta: { datasetId: '1' }, status: ['queued'] })).results.map((r) => r.requestid)).to.deep.equal([
      a.requestid,
    ])
    await client.remove(a.requestid)
    const gone = await caught(() => client.get(a.requestid))
    expect([gone.name, (gone as Error & { category?: string }).category, (gone as Error & { status?: number }).status]).to.deep.equal([
      'PinningServiceRequestError',
      'not-found',
      404,
    ])
    expect(service.calls.every((c) => !c.endsWith(' 401'))).to.equal(true)
  })

  it('names a refused token PinningServiceAuthError and never shows the token', async () => {
    const client = createPinningServiceClient({ url: service.url, token: 'wrong-token-0987654321' })
    const err = await caught(() => client.add({ cid: CID_A }))
    expect([err.name, (err as Error & { category?: string }).category]).to.deep.equal(['PinningServiceAuthError', 'unauthorised'])
    expect(err.message).to.contain('401 UNAUTHORIZED')
    expect(err.message).to.not.contain('wrong-token')
  })

  it('names a service it cannot reach, or that does not answer in time, PinningServiceUnavailableError', async () => {
    const closed = createPinningServiceClient({ url: `http://127.0.0.1:${await findFreePort()}`, token: TOKEN })
    const refused = await caught(() => closed.list())
    expect([refused.name, (refused as Error & { category?: string }).category]).to.deep.equal([
      'PinningServiceUnavailableError',
      'unavailable',
    ])
    const silent = await serve(() => undefined)
    try {
      const started = Date.now()
      const slow = await caught(() => createPinningServiceClient({ url: silent.url, token: TOKEN, timeoutMs: 300 }).list())
      expect([slow.name, slow.message]).to.deep.equal([
        'PinningServiceUnavailableError',
        `list pins: cannot reach the pinning service at ${silent.url}: no answer within 300 ms`,
      ])
      expect(Date.now() - started).to.be.lessThan(5_000)
    } finally {
      await silent.close()
    }
  })

  it('names an answer outside the spec PinningServiceResponseError: wrong shape, no JSON, too large', async () => {
    const odd = await serve((req, res) => {
      if (req.path === '/pins/shape') return void res.json({ requestid: 'x', status: 'done' })
      if (req.path === '/pins/text') return void res.type('text').send('hello')
      res.json({ count: 1, results: [], padding: 'x'.repeat(5_000) })
    })
    try {
      const client = createPinningServiceClient({ url: odd.url, token: TOKEN, maxResponseBytes: 4_096 })
      const shape = await caught(() => client.get('shape'))
      expect([shape.name, shape.message]).to.deep.equal(['PinningServiceResponseError', shape.message])
      expect(shape.message).to.match(/not the spec's \((status|created)/)
      expect((await caught(() => client.get('text'))).message).to.match(/answered 200 with no JSON/)
      expect((await caught(() => client.list())).message).to.equal('the pinning service answered more than 4096 bytes')
    } finally {
      await odd.close()
    }
  })

  it('takes a 5xx or 429 for an outage and another 4xx for a refusal with its reason', async () => {
    const answers = await serve((req, res) => {
      if (req.path === '/api/pins/busy') return void res.status(429).json({ error: { reason: 'RATE_LIMITED' } })
      if (req.path === '/api/pins/later')
        return void res
          .status(429)
          .set('retry-after', '30')
          .json({ error: { reason: 'RATE_LIMITED' } })
      if (req.path === '/api/pins/forever') return void res.status(503).set('retry-after', '99999999').end()
      if (req.path === '/api/pins/paid') return void res.status(402).json({ error: { reason: 'PAYMENT_REQUIRED' } })
      if (req.path === '/api/pins/taken') return void res.status(409).json({ error: { reason: 'DUPLICATE' } })
      if (req.path === '/api/pins/broken') return void res.status(502).send('bad gateway')
      res.status(409).json({ error: { reason: 'INSUFFICIENT_FUNDS', details: 'Unable to process request due to the lack of funds' } })
    })
    try {
      const client = createPinningServiceClient({ url: `${answers.url}/api/`, token: TOKEN })
      expect(client.endpoint).to.equal(`${answers.url}/api`)
      const busy = await caught(() => client.get('busy'))
      expect([busy.name, (busy as PinningServiceUnavailableError).retryAfterMs]).to.deep.equal([
        'PinningServiceUnavailableError',
        undefined,
      ])
      expect((await caught(() => client.get('broken'))).name).to.equal('PinningServiceUnavailableError')
      // Retry-After is kept (for the caller's back-off), at most an hour.
      const later = await caught(() => client.get('later'))
      expect([(later as PinningServiceUnavailableError).retryAfterMs, later.message]).to.deep.equal([
        30_000,
        `pin request later: the pinning service at ${answers.url}/api answered 429 RATE_LIMITED (retry after 30 s)`,
      ])
      expect(((await caught(() => client.get('forever'))) as PinningServiceUnavailableError).retryAfterMs).to.equal(3_600_000)
      const funds = await caught(() => client.add({ cid: CID_A }))
      expect([funds.name, (funds as Error & { category?: string }).category, (funds as Error & { reason?: string }).reason]).to.deep.equal([
        'PinningServiceRequestError',
        'conflict',
        'INSUFFICIENT_FUNDS',
      ])
      expect(funds.message).to.contain('lack of funds')
      // Out of funds or unpaid holds for every request of the account; another conflict for this one only.
      const paid = await caught(() => client.get('paid'))
      const taken = await caught(() => client.get('taken'))
      expect([funds, paid, taken].map((e) => (e as PinningServiceRequestError).accountWide)).to.deep.equal([true, true, false])
    } finally {
      await answers.close()
    }
  })

  it('shows an endpoint without its credentials or query', () => {
    expect(pinningEndpoint('https://user:pass@pins.example/v1/?key=abc#x')).to.equal('https://pins.example/v1')
    expect(() => createPinningServiceClient({ url: 'ftp://pins.example', token: TOKEN })).to.throw(TypeError, /http/)
  })

  it('refuses a URL whose credentials, query or fragment it would drop, without showing them', () => {
    for (const url of [
      'https://user:SuperSecret@pins.example/v1',
      'https://pins.example/v1?key=SuperSecret',
      'https://pins.example/v1#SuperSecret',
    ]) {
      expect(() => createPinningServiceClient({ url, token: TOKEN }))
        .to.throw(
          TypeError,
          'a pinning service URL holds no credentials, query or fragment (https://pins.example/v1): pass the access token',
        )
        .with.property('message')
        .that.does.not.contain('SuperSecret')
    }
  })
})
