import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { expect } from 'chai'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { createEmbeddedHelia, createVerifiedBlockstore } from '../../storage/node.js'
import type { EmbeddedHelia } from '../../storage/index.js'
import { readUnixfsFile } from '../../storage/read-unixfs-file.js'
import { readAhead } from '../../storage/read-ahead.js'
import { collect, pseudoRandomBytes } from '../helpers/bytes.js'
import { caught } from '../helpers/errors.js'

describe('readUnixfsFile', () => {
  let dir: string
  let node: EmbeddedHelia
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-reader-'))
    node = await createEmbeddedHelia({ dataDir: dir })
  })
  after(async () => {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const layouts = [
    { name: 'a single raw block', bytes: 500, options: {} },
    { name: 'one level of raw leaves', bytes: 5 * 1024 * 1024 + 7, options: {} },
    {
      name: 'three levels (4 children per node, 1 KiB raw leaves)',
      bytes: 70_000,
      options: { chunker: fixedSize({ chunkSize: 1024 }), layout: balanced({ maxChildrenPerNode: 4 }) },
    },
    {
      name: 'dag-pb leaves with inline UnixFS data',
      bytes: 9_000,
      options: { rawLeaves: false, chunker: fixedSize({ chunkSize: 1000 }), layout: balanced({ maxChildrenPerNode: 3 }) },
    },
  ]
  for (const { name, bytes, options } of layouts) {
    it(`reads ${name} in order, as Helia's exporter does`, async () => {
      const fs = unixfs(node.helia)
      const data = pseudoRandomBytes(bytes, bytes)
      const cid = await fs.addBytes(data, options)
      const ours = await collect(readUnixfsFile(createVerifiedBlockstore(node.helia.blockstore), cid, { prefetch: 3 }))
      expect(ours).to.deep.equal(data)
      expect(ours).to.deep.equal(await collect(fs.cat(cid)))
    })
  }

  it('refuses a directory with a named error', async () => {
    const fs = unixfs(node.helia)
    const dirCid = await fs.addDirectory()
    expect(await caught(() => collect(readUnixfsFile(node.helia.blockstore, dirCid)))).to.have.property('name', 'ContentCorruptedError')
  })
})

describe('readAhead', () => {
  async function* numbers(n: number, failAt?: number): AsyncGenerator<number> {
    for (let i = 0; i < n; i++) {
      await new Promise((r) => setTimeout(r, i % 3))
      if (i === failAt) throw new Error(`failed at ${i}`)
      yield i
    }
  }

  it('yields every value in order', async () => {
    const out: number[] = []
    for await (const x of readAhead(numbers(50), 8)) out.push(x)
    expect(out).to.deep.equal([...Array(50).keys()])
  })

  it('delivers the values before an error, then the error', async () => {
    const out: number[] = []
    const err = await caught(async () => {
      for await (const x of readAhead(numbers(20, 7), 4)) out.push(x)
    })
    expect(out).to.deep.equal([0, 1, 2, 3, 4, 5, 6])
    expect(err.message).to.equal('failed at 7')
  })

  it('stops the source when the consumer stops early', async () => {
    let finalized = false
    async function* source(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield await Promise.resolve(i)
      } finally {
        finalized = true
      }
    }
    for await (const x of readAhead(source(), 4)) if (x === 3) break
    expect(finalized).to.equal(true)
  })
})
