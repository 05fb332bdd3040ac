import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { PublicationNotFailedError } from '../../pipelines/index.js'
import { createApp } from '../../server/index.js'
import { operatorHeaders, testAuth } from '../helpers/operator.js'

// The upload limit, checked at the route (the end-to-end publishing tests go through a real node
// whose limit, 1 GiB, is too large to test).
describe('POST /datasets upload limit', () => {
  it('refuses a file above the limit with 413 UploadTooLargeError and keeps nothing of it', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'assay-upload-'))
    let submitted = 0
    const app = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      logError: () => {},
      publishing: {
        workDir,
        maxUploadBytes: 1024,
        submit: () => Promise.resolve(`job-${++submitted}`),
        status: () => Promise.resolve(undefined),
        retry: () => Promise.resolve(undefined),
      },
    })
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
    const app = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      logError: () => {},
      publishing: {
        workDir: tmpdir(),
        maxUploadBytes: 1024,
        submit: () => Promise.reject(new Error('not used')),
        status: () => Promise.resolve(undefined),
        retry: (id) => {
          if (id === 'pub-failed') return Promise.resolve(id)
          if (id === 'pub-running') return Promise.reject(new PublicationNotFailedError(id, 'running'))
          return Promise.resolve(undefined)
        },
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
