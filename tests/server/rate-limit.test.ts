import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { expect } from 'chai'
import express from 'express'
import { createApp, createRateLimit } from '../../server/index.js'
import { testAuth } from '../helpers/operator.js'

describe('per-client rate limits', () => {
  it('gives a client its burst, then 429 RateLimitedError with Retry-After; the share refills with time', async () => {
    let clock = 1_000
    // Loopback is exempt on a real node (the operator's own tools); here it stands for a stranger.
    const limit = createRateLimit({ perMinute: 60, burst: 3, exemptLoopback: false, now: () => clock })
    const server = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      rateLimits: { keyRequests: limit, readings: limit },
      logError: () => undefined,
    }).listen(0, '127.0.0.1')
    await once(server, 'listening')
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    try {
      const post = async (path: string) => {
        const res = await fetch(`${url}${path}`, { method: 'POST', body: '{}' })
        return [res.status, ((await res.json()) as { error: { name: string } }).error.name, res.headers.get('retry-after')] as const
      }
      // Within the burst the route answers (no stream or key release here: 404).
      for (let i = 0; i < 3; i++) expect((await post('/datasets/1/key'))[0]).to.equal(404)
      expect(await post('/streams/1/readings')).to.deep.equal([429, 'RateLimitedError', '1'])
      clock += 2 // two requests' worth at one a second
      expect((await post('/datasets/1/key'))[0]).to.equal(404)
      expect((await post('/datasets/1/key'))[0]).to.equal(404)
      expect((await post('/datasets/1/key'))[0]).to.equal(429)
    } finally {
      server.close()
    }
  })

  it('remembers a bounded number of clients, and never limits loopback by default', async () => {
    const limit = createRateLimit({ perMinute: 1, burst: 1, maxClients: 100, now: () => 0 })
    const app = express()
    app.use(limit)
    app.use((_req, res) => void res.send('ok'))
    // Many clients, as the socket reports them (headers are never trusted for the address).
    for (let i = 0; i < 1_000; i++) {
      const req = { socket: { remoteAddress: `10.0.${i >> 8}.${i & 255}` } } as never
      limit(req, { setHeader: () => undefined } as never, () => undefined)
    }
    expect(limit.clients()).to.equal(100)
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      for (let i = 0; i < 5; i++) expect((await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)).status).to.equal(200)
    } finally {
      server.close()
    }
  })
})
