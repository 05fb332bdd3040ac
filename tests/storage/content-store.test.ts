import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { expect } from 'chai'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { envelopeSize, generateDataKey, type EmbeddedHelia } from '../../storage/index.js'
import { createContentStore, createEmbeddedHelia } from '../../storage/node.js'
import { collect, pieces, pseudoRandomBytes, sha256 } from '../helpers/bytes.js'
import { dedupBomb, fileNode, rawBlock } from '../helpers/dedup-bomb.js'
import { caught } from '../helpers/errors.js'
import { sampleManifest } from '../helpers/manifest.js'

describe('content store', function () {
  this.timeout(60_000)
  const dirs: string[] = []
  const nodes: EmbeddedHelia[] = []
  const key = generateDataKey()
  const plain = pseudoRandomBytes(5 * 1024 * 1024 + 123, 42)

  async function node(dataDir?: string): Promise<{ node: EmbeddedHelia; store: ReturnType<typeof createContentStore>; dataDir: string }> {
    const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'assay-store-')))
    if (dataDir === undefined) dirs.push(dir)
    const n = await createEmbeddedHelia({ dataDir: dir })
    nodes.push(n)
    return { node: n, store: createContentStore({ helia: n.helia }), dataDir: dir }
  }

  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop()
  })
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('encrypts and adds in one pass, then cats back the plaintext', async () => {
    const { store } = await node()
    const added = await store.addStream(pieces(plain, 100_000), key, { label: 'sample' })
    expect(added.plaintext).to.deep.equal({ sha256: sha256(plain), bytes: plain.length })
    expect(added.ciphertext.bytes).to.equal(envelopeSize(plain.length))
    expect(added.cid.version).to.equal(1)
    expect(sha256(await collect(store.cat(added.cid, key)))).to.equal(sha256(plain))
    expect((await store.stat(added.cid)).bytes).to.equal(added.ciphertext.bytes)
    expect(await collect(store.catRaw(added.cid))).to.not.deep.equal(plain.subarray(0, 100))
  })

  it('builds the same DAG (same CID) as stock unixfs addByteStream of the stored envelope', async () => {
    const { node: n, store } = await node()
    // 5 MiB + a partial leaf, several leaves, and a one-leaf file (reduced to its raw leaf).
    for (const bytes of [plain, plain.subarray(0, 1000)]) {
      const added = await store.addStream(pieces(bytes, 65536), key)
      const envelope = await collect(store.catRaw(added.cid))
      const stock = await unixfs(n.helia).addByteStream(pieces(envelope, 100_000))
      expect(added.cid.toString()).to.equal(stock.toString())
    }
  })

  it('stores ciphertext only: the plaintext never appears in the blockstore', async () => {
    const { store, dataDir } = await node()
    const marker = new TextEncoder().encode('PLAINTEXT-MARKER-'.repeat(100))
    await store.addStream([marker], key)
    const blocksDir = join(dataDir, 'ipfs', 'blocks')
    const files = await readdir(blocksDir, { recursive: true, withFileTypes: true })
    const { readFile } = await import('node:fs/promises')
    for (const f of files.filter((e) => e.isFile())) {
      const bytes = await readFile(join(f.parentPath, f.name))
      expect(bytes.includes(Buffer.from('PLAINTEXT-MARKER-'))).to.equal(false)
    }
  })

  it('refuses to decrypt with the wrong key', async () => {
    const { store } = await node()
    const { cid } = await store.addStream([plain.subarray(0, 1000)], key)
    expect((await caught(() => collect(store.cat(cid, generateDataKey())))).name).to.equal('WrongKeyError')
  })

  it('pins what it adds, lists it with kind and label, and unpins', async () => {
    const { store } = await node()
    const { cid } = await store.addStream([plain.subarray(0, 10)], key, { label: 'tiny' })
    expect(await store.isPinned(cid)).to.equal(true)
    const held = await store.list()
    expect(held.map((h) => ({ cid: h.cid.toString(), kind: h.kind, label: h.label }))).to.deep.include({
      cid: cid.toString(),
      kind: 'dataset',
      label: 'tiny',
    })
    await store.unpin(cid)
    expect(await store.isPinned(cid)).to.equal(false)
    expect(await store.list()).to.have.length(0)
  })

  it('keeps every block of a pinned dataset through garbage collection, and frees them after unpin', async () => {
    const { node: n, store } = await node()
    const { cid } = await store.addStream(pieces(plain, 65536), key)
    const loose = await store.addStream([plain.subarray(0, 3 * 1024 * 1024)], key)
    await store.unpin(loose.cid)
    await n.helia.gc()
    expect(sha256(await collect(store.cat(cid, key)))).to.equal(sha256(plain))
    expect((await caught(() => collect(store.catRaw(loose.cid, { signal: AbortSignal.timeout(500) })))).name).to.equal(
      'ContentNotFoundError',
    )
    await store.unpin(cid)
    await n.helia.gc()
    expect((await caught(() => collect(store.catRaw(cid, { signal: AbortSignal.timeout(500) })))).name).to.equal('ContentNotFoundError')
  })

  it('pins and unpins a dedup bomb (three blocks linking 1000 × 1000 times to one leaf) walking each block once', async function () {
    this.timeout(15_000) // every path of it would be a million reads
    const { node: n, store } = await node()
    const bomb = await dedupBomb(new Uint8Array(16).fill(1), 1000, 2)
    for (const b of bomb.blocks) await n.helia.blockstore.put(b.cid, b.bytes)
    const leaf = bomb.blocks.at(-1)!.cid
    await store.pin(bomb.root)
    expect(await store.isPinned(leaf)).to.equal(true)
    await n.helia.gc()
    expect(await n.helia.blockstore.has(leaf)).to.equal(true)
    await store.unpin(bomb.root)
    expect(await store.isPinned(leaf)).to.equal(false)
  })

  it('rejects a pin aborted midway, or that cannot read a block, to its caller and nowhere else', async () => {
    const { node: n, store } = await node()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      // 1,000 leaves held here: the walk is aborted once it marked the root, with the leaves to come.
      const bytes = pseudoRandomBytes(100_000, 6)
      const root = await unixfs(n.helia).addBytes(bytes, { chunker: fixedSize({ chunkSize: 100 }), rawLeaves: true, cidVersion: 1 })
      const lastLeaf = (await rawBlock(bytes.subarray(99_900))).cid
      const hangUp = new AbortController()
      const pinning = caught(() => store.pin(root, {}, { signal: hangUp.signal }))
      while (!(await n.helia.pins.isPinned(root))) await new Promise((r) => setImmediate(r))
      expect(await n.helia.pins.isPinned(lastLeaf)).to.equal(false)
      hangUp.abort()
      await pinning // rejected (by the read or write the abort reached), or caught() fails the test
      // A leaf nobody holds: reading it gives up when the signal does.
      const missing = await rawBlock(new TextEncoder().encode('held by nobody'))
      const held = await rawBlock(new TextEncoder().encode('held here'))
      await n.helia.blockstore.put(held.cid, held.bytes)
      const parent = await fileNode([held.cid, missing.cid, held.cid], [9, 14, 9])
      await n.helia.blockstore.put(parent.cid, parent.bytes)
      await caught(() => store.pin(parent.cid, {}, { signal: AbortSignal.timeout(300) }))
      // Anything thrown elsewhere surfaces within a turn of the event loop.
      await new Promise((r) => setImmediate(r))
      await new Promise((r) => setImmediate(r))
      expect(unhandled).to.deep.equal([])
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })

  it('keeps content and pins across a restart', async () => {
    const first = await node()
    const { cid } = await first.store.addStream(pieces(plain, 65536), key)
    const manifestCid = await first.store.putManifest(sampleManifest())
    await nodes.pop()!.stop()
    const second = await node(first.dataDir)
    expect(await second.store.isPinned(cid)).to.equal(true)
    expect(await second.store.isPinned(manifestCid)).to.equal(true)
    expect(sha256(await collect(second.store.cat(cid, key)))).to.equal(sha256(plain))
    expect((await second.store.getManifest(manifestCid)).title).to.equal(sampleManifest().title)
  })

  it('exports a CAR that a fresh node imports with the same CID and bytes', async () => {
    const a = await node()
    const { cid } = await a.store.addStream(pieces(plain, 65536), key)
    const carBytes = await collect(a.store.exportCar(cid))
    const b = await node()
    const roots = await b.store.importCar(pieces(carBytes, 10_000))
    expect(roots.map(String)).to.deep.equal([cid.toString()])
    expect(await b.store.isPinned(cid)).to.equal(true)
    expect(await collect(b.store.catRaw(cid))).to.deep.equal(await collect(a.store.catRaw(cid)))
    expect(sha256(await collect(b.store.cat(cid, key)))).to.equal(sha256(plain))
  })

  it('refuses a CAR holding a block that is not its CID’s, and pins nothing of it', async () => {
    const a = await node()
    const cid = await a.store.putJson({ reading: 21.5 })
    const carBytes = await collect(a.store.exportCar(cid))
    // The last byte is the block's own: the CID and the frame stay as they were.
    carBytes[carBytes.length - 1]! ^= 1
    const b = await node()
    const err = await caught(() => b.store.importCar([carBytes]))
    expect(err.name).to.equal('ContentCorruptedError')
    expect(err.message).to.include(cid.toString())
    expect(await b.store.isPinned(cid)).to.equal(false)
  })

  it('fetches a dataset from another node over bitswap after dialling its multiaddr', async () => {
    const a = await node()
    const { cid } = await a.store.addStream(pieces(plain, 65536), key)
    const b = await node()
    await b.node.helia.libp2p.dial(a.node.helia.libp2p.getMultiaddrs()[0]!)
    const fetched = await collect(b.store.cat(cid, key, { signal: AbortSignal.timeout(30_000) }))
    expect(sha256(fetched)).to.equal(sha256(plain))
  })

  it('answers ContentNotFoundError for content nobody it knows holds', async () => {
    const { store } = await node()
    const missing = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
    const err = await caught(() => collect(store.catRaw(missing, { signal: AbortSignal.timeout(500) })))
    expect(err.name).to.equal('ContentNotFoundError')
    expect(err.message).to.contain(missing.toString())
  })

  it('validates manifests on the way in and out, naming the bad fields', async () => {
    const { store } = await node()
    const err = await caught(() => store.putManifest({ ...sampleManifest(), title: '' }))
    expect(err.name).to.equal('ManifestValidationError')
    expect(err.message).to.contain('title')
    const notAManifest = await store.putJson({ hello: 'world' })
    expect((await caught(() => store.getManifest(notAManifest))).name).to.equal('ManifestValidationError')
  })

  it('detects a block altered on disk', async () => {
    const { store, dataDir } = await node()
    const { cid } = await store.addStream(pieces(plain, 65536), key)
    const blocksDir = join(dataDir, 'ipfs', 'blocks')
    const files = (await readdir(blocksDir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile())
    const { readFile } = await import('node:fs/promises')
    // Alter the largest block (a ciphertext leaf) in place.
    let largest = { path: '', size: -1 }
    for (const f of files) {
      const p = join(f.parentPath, f.name)
      const size = (await readFile(p)).length
      if (size > largest.size) largest = { path: p, size }
    }
    const bytes = await readFile(largest.path)
    bytes[1000]! ^= 0xff
    await writeFile(largest.path, bytes)
    const err = await caught(() => collect(store.cat(cid, key)))
    expect(err.name).to.equal('ContentCorruptedError')
  })

  it('detects an altered public JSON block (no encryption to catch it)', async () => {
    const { store, dataDir } = await node()
    const cid = await store.putJson({ hello: 'world, a public manifest' })
    const { readFile } = await import('node:fs/promises')
    const files = (await readdir(join(dataDir, 'ipfs', 'blocks'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile())
    let altered = 0
    for (const f of files) {
      const p = join(f.parentPath, f.name)
      const text = (await readFile(p)).toString('latin1')
      if (text.includes('hello')) {
        await writeFile(p, Buffer.from(text.replace('world', 'WORLD'), 'latin1'))
        altered++
      }
    }
    expect(altered).to.equal(1)
    expect((await caught(() => store.getJson(cid))).name).to.equal('ContentCorruptedError')
  })
})
