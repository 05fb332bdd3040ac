import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { PublicationNotFailedError, type PublicationSummary } from '../../pipelines/index.js'
import { createApp, type PublishingApi } from '../../server/index.js'
import { operatorHeaders, testAuth } from '../helpers/operator.js'

/** A node app whose publishing is a stand-in: each test gives the parts it exercises. */
function appWithPublishing(publishing: Partial<PublishingApi>): ReturnType<typeof createApp> {
  return createApp({
    auth: testAuth(),
    checkHealth: () => Promise.resolve({ ok: true, services: {} }),
    logError: () => {},
    publishing: {
      workDir: tmpdir(),
      maxUploadBytes: 1024,
      submit: () => Promise.reject(new Error('not used')),
      status: () => Promise.resolve(undefined),
      retry: () => Promise.resolve(undefined),
      list: () => Promise.reject(new Error('not used')),
      ...publishing,
    },
  })
}

// The upload limit, checked at the route (the end-to-end publishing tests go through a real node
// whose limit, 1 GiB, is too large to test).
describe('POST /datasets upload limit', () => {
  it('refuses a file above the limit with 413 UploadTooLargeError and keeps nothing of it', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'assay-upload-'))
    let submitted = 0
    const app = appWithPublishing({ workDir, submit: () => Promise.resolve(`job-${++submitted}`) })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const form = new FormData()
      form.append('title', 'too big')
      form.append('file', new Blob([`time,temp\n${'2024-01-01T00:00:00Z,1\n'.repeat(200)}`]), 'big.csv')
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/datasets`, {
        method: 'POST',
        body: form,
        headers: operatorHeaders(),
      })
      expect(res.status).to.equal(413)
      expect(((await res.json()) as { error: unknown }).error).to.deep.equal({
        name: 'UploadTooLargeError',
        message: 'the file is larger than this node accepts (1024 bytes)',
        category: 'too-large',
        retryable: false,
      })
      expect(submitted).to.equal(0)
      expect(existsSync(join(workDir, 'uploads')) ? await readdir(join(workDir, 'uploads')) : []).to.deep.equal([])
    } finally {
      server.close()
      await rm(workDir, { recursive: true, force: true })
    }
  })
})

describe('POST /jobs/:id/retry', () => {
  it('answers 202 with the job’s links, 404 for an unknown job and 409 for one that has not failed', async () => {
    const app = appWithPublishing({
      retry: (id) => {
        if (id === 'pub-failed') return Promise.resolve(id)
        if (id === 'pub-running') return Promise.reject(new PublicationNotFailedError(id, 'running'))
        return Promise.resolve(undefined)
      },
    })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const post = async (id: string) => {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jobs/${id}/retry`, {
        method: 'POST',
        headers: operatorHeaders(),
      })
      return [res.status, (await res.json()) as unknown]
    }
    try {
      expect(await post('pub-failed')).to.deep.equal([
        202,
        { jobId: 'pub-failed', status: '/jobs/pub-failed', events: '/jobs/pub-failed/events' },
      ])
      expect(await post('pub-nope')).to.deep.equal([
        404,
        { error: { name: 'NotFoundError', message: 'no job pub-nope', category: 'not-found', retryable: false } },
      ])
      expect(await post('pub-running')).to.deep.equal([
        409,
        {
          error: {
            name: 'PublicationNotFailedError',
            message: 'publication pub-running is running; only a failed publication can be retried',
            category: 'conflict',
            retryable: false,
          },
        },
      ])
    } finally {
      server.close()
    }
  })
})

describe('GET /jobs', () => {
  // A job store of 30 publications, the newest (pub-29) first, as listPublications orders them.
  const publications: PublicationSummary[] = Array.from({ length: 30 }, (_, i) => 29 - i).map((n) => ({
    id: `pub-${n}`,
    title: `Publication ${n}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    stages: { ingest: 'completed', prove: 'active' } as PublicationSummary['stages'],
    proofs: { done: 1, total: 3 },
  }))
  const asked: Array<{ limit: number; offset: number }> = []
  let server: Server
  let base: string
  before(async () => {
    const app = appWithPublishing({
      list: (options) => {
        asked.push(options)
        // One too many: the route answers with `limit` at most, whatever the store returns.
        return Promise.resolve({
          total: publications.length,
          items: publications.slice(options.offset, options.offset + options.limit + 1),
        })
      },
    })
    server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => server.close())
  beforeEach(() => (asked.length = 0))

  const get = async (query: string, headers: Record<string, string> = operatorHeaders()): Promise<[number, unknown]> => {
    const res = await fetch(`${base}/jobs${query}`, { headers })
    return [res.status, await res.json()]
  }

  it('refuses a caller without the operator’s token or session with 401, before asking the job store', async () => {
    expect(await get('', {})).to.deep.equal([
      401,
      {
        error: {
          name: 'OperatorAuthError',
          message: "GET /jobs is the operator's: send the operator token (Authorization: Bearer …)",
          category: 'unauthorised',
          retryable: false,
        },
      },
    ])
    expect((await get('', { authorization: 'Bearer not-the-token-0123456789abcdef' }))[0]).to.equal(401)
    expect(asked).to.deep.equal([])
  })

  it('lists the newest 20 by default, newest first, with the status of each', async () => {
    const [status, body] = await get('')
    expect(status).to.equal(200)
    const page = body as { total: number; limit: number; offset: number; items: PublicationSummary[] }
    expect(asked).to.deep.equal([{ limit: 20, offset: 0 }])
    expect({ total: page.total, limit: page.limit, offset: page.offset }).to.deep.equal({ total: 30, limit: 20, offset: 0 })
    expect(page.items.map((p) => p.id)).to.deep.equal(publications.slice(0, 20).map((p) => p.id))
    expect(page.items[0]).to.deep.equal(publications[0])
  })

  it('answers a page of `limit` after `offset`, never more than `limit` items', async () => {
    const [, body] = await get('?limit=5&offset=25')
    expect((body as { items: PublicationSummary[] }).items.map((p) => p.id)).to.deep.equal(['pub-4', 'pub-3', 'pub-2', 'pub-1', 'pub-0'])
    const [, one] = await get('?limit=1&offset=3')
    expect((one as { items: PublicationSummary[] }).items.map((p) => p.id)).to.deep.equal(['pub-26'])
    expect(asked).to.deep.equal([
      { limit: 5, offset: 25 },
      { limit: 1, offset: 3 },
    ])
  })

  it('refuses a limit outside 1–100, a bad offset and unknown parameters with 400 naming the parameter', async () => {
    const refused: Array<[string, RegExp]> = [
      ['?limit=0', /^limit: /],
      ['?limit=101', /^limit: /],
      ['?limit=ten', /^limit: /],
      ['?limit=2.5', /^limit: /],
      ['?offset=-1', /^offset: /],
      ['?offset=1000001', /^offset: /],
      ['?state=failed', /^state: /],
    ]
    for (const [query, message] of refused) {
      const [status, body] = await get(query)
      const error = (body as { error: { name: string; message: string } }).error
      expect([status, error.name], query).to.deep.equal([400, 'ValidationError'])
      expect(error.message, query).to.match(message)
    }
    expect(asked).to.deep.equal([])
  })
})
