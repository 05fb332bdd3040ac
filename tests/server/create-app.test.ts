import { once } from 'node:events'
import type { AddressInfo, Server } from 'node:net'
import { expect } from 'chai'
import { ServiceError } from '../../core/index.js'
import { createApp, type HealthReport } from '../../server/index.js'
import { operatorHeaders, testAuth } from '../helpers/operator.js'

async function listen(health: () => Promise<HealthReport>): Promise<{ url: string; server: Server }> {
  const app = createApp({ auth: testAuth(), checkHealth: health, logError: () => {} })
  const server = app.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

describe('createApp', () => {
  const up = { ok: true, embedded: true, detail: {} }

  it('answers /health with 200 when every service is up', async () => {
    const { url, server } = await listen(() => Promise.resolve({ ok: true, services: { chain: up } }))
    try {
      const res = await fetch(`${url}/health`)
      expect(res.status).to.equal(200)
      expect(await res.json()).to.deep.equal({ ok: true, services: { chain: up } })
    } finally {
      server.close()
    }
  })

  it('answers /health with 503 and the failing service when one is down', async () => {
    const down = { ok: false, embedded: true, detail: {}, error: 'connect ECONNREFUSED' }
    const { url, server } = await listen(() => Promise.resolve({ ok: false, services: { chain: up, redis: down } }))
    try {
      const res = await fetch(`${url}/health`, { headers: operatorHeaders() })
      expect(res.status).to.equal(503)
      expect(((await res.json()) as HealthReport).services.redis).to.deep.equal(down)
      // Anyone else learns only that redis is down, not why (an error can name hosts and ports).
      const anonymous = await fetch(`${url}/health`)
      expect([anonymous.status, ((await anonymous.json()) as HealthReport).services.redis]).to.deep.equal([
        503,
        { ok: false, embedded: true, detail: {} },
      ])
    } finally {
      server.close()
    }
  })

  it('maps a named error to its status and never sends a stack trace', async () => {
    const { url, server } = await listen(() => Promise.reject(new ServiceError('redis', 'unreachable')))
    try {
      const res = await fetch(`${url}/health`)
      expect(res.status).to.equal(503)
      const text = await res.text()
      expect(JSON.parse(text)).to.deep.equal({
        error: { name: 'ServiceError', message: 'redis: unreachable', category: 'unavailable', retryable: true },
      })
      expect(text).to.not.contain('at ')
    } finally {
      server.close()
    }
  })

  it('hides the message of an unexpected error behind a 500 InternalError', async () => {
    const { url, server } = await listen(() => Promise.reject(new TypeError('secret internals at /srv/x.ts:12')))
    try {
      const res = await fetch(`${url}/health`)
      expect(res.status).to.equal(500)
      expect(await res.json()).to.deep.equal({
        error: { name: 'InternalError', message: 'internal error', category: 'internal', retryable: false },
      })
    } finally {
      server.close()
    }
  })

  it('answers unknown routes with a JSON 404', async () => {
    const { url, server } = await listen(() => Promise.resolve({ ok: true, services: {} }))
    try {
      const res = await fetch(`${url}/nope`)
      expect(res.status).to.equal(404)
      expect(((await res.json()) as { error: { name: string } }).error.name).to.equal('NotFoundError')
    } finally {
      server.close()
    }
  })
})
