import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { createApp } from '../../server/index.js'

// The upload limit, checked at the route (the end-to-end publishing tests go through a real node
// whose limit, 1 GiB, is too large to test).
describe('POST /datasets upload limit', () => {
  it('refuses a file above the limit with 413 UploadTooLargeError and keeps nothing of it', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'assay-upload-'))
    let submitted = 0
    const app = createApp({
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      logError: () => {},
      publishing: {
        workDir,
        maxUploadBytes: 1024,
        submit: () => Promise.resolve(`job-${++submitted}`),
        status: () => Promise.resolve(undefined),
      },
    })
    const server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    try {
      const form = new FormData()
      form.append('title', 'too big')
      form.append('file', new Blob([`time,temp\n${'2024-01-01T00:00:00Z,1\n'.repeat(200)}`]), 'big.csv')
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/datasets`, { method: 'POST', body: form })
      expect(res.status).to.equal(413)
      expect(((await res.json()) as { error: unknown }).error).to.deep.equal({
        name: 'UploadTooLargeError',
        message: 'the file is larger than this node accepts (1024 bytes)',
      })
      expect(submitted).to.equal(0)
      expect(existsSync(join(workDir, 'uploads')) ? await readdir(join(workDir, 'uploads')) : []).to.deep.equal([])
    } finally {
      server.close()
      await rm(workDir, { recursive: true, force: true })
    }
  })
})
