import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import { createEmbeddedHelia } from '../../storage/node.js'
import { caught } from '../helpers/errors.js'

async function catAll(fs: ReturnType<typeof unixfs>, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const chunk of fs.cat(cid, { signal: AbortSignal.timeout(5000) })) parts.push(chunk)
  return new Uint8Array(Buffer.concat(parts))
}

describe('createEmbeddedHelia', () => {
  let dataDir: string
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'assay-helia-'))
  })
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true })
  })

  it('adds and cats bytes on disk, and still has them after a restart', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251)
    const first = await createEmbeddedHelia({ dataDir })
    let cid: CID
    try {
      const fs = unixfs(first.helia)
      cid = await fs.addBytes(bytes)
      expect(await catAll(fs, cid)).to.deep.equal(bytes)
    } finally {
      await first.stop()
    }
    const second = await createEmbeddedHelia({ dataDir })
    try {
      expect(await catAll(unixfs(second.helia), CID.parse(cid.toString()))).to.deep.equal(bytes)
    } finally {
      await second.stop()
    }
  })

  it('starts offline on loopback with no bootstrap peers', async () => {
    const node = await createEmbeddedHelia({ dataDir })
    try {
      const addrs = node.helia.libp2p.getMultiaddrs().map(String)
      expect(addrs).to.have.length.greaterThan(0)
      for (const a of addrs) expect(a).to.match(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
      expect(node.helia.libp2p.getConnections()).to.have.length(0)
    } finally {
      await node.stop()
    }
  })

  it('refuses a second node on the same data dir with a named ServiceError', async () => {
    const node = await createEmbeddedHelia({ dataDir })
    try {
      const error = await caught(() => createEmbeddedHelia({ dataDir }))
      expect(error).to.have.property('name', 'ServiceError')
      expect(error.message).to.contain('another Assay node')
    } finally {
      await node.stop()
    }
  })
})
