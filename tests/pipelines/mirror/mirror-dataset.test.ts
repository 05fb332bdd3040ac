import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { CarBlockIterator, CarWriter } from '@ipld/car'
import { expect } from 'chai'
import { UnixFS } from 'ipfs-unixfs'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { parseManifest, type Manifest } from '../../../core/index.js'
import { computeAnchor, statsDigestOf } from '../../../contracts/index.js'
import { findFreePort } from '../../../core/node.js'
import {
  createGatewaySource,
  mirrorDataset,
  providerAddress,
  type CarSource,
  type DatasetAnchor,
  type MirrorComponents,
} from '../../../pipelines/index.js'
import { envelopeSize, generateDataKey, type ContentStore, type EmbeddedHelia } from '../../../storage/index.js'
import { createContentStore, createEmbeddedHelia } from '../../../storage/node.js'
import { collect, pieces, pseudoRandomBytes, sha256 } from '../../helpers/bytes.js'
import { dedupBomb, pbBlock, rawBlock } from '../../helpers/dedup-bomb.js'
import { caught } from '../../helpers/errors.js'
import { sampleManifest } from '../../helpers/manifest.js'

type Block = { cid: CID; bytes: Uint8Array }

/** The anchor a manifest's author would record for it. */
const anchorFor = (m: Manifest, manifestCid: string): DatasetAnchor => ({
  manifestCid,
  anchor: computeAnchor(manifestCid, BigInt(m.encryption.keyCommitment), statsDigestOf(m.stats)),
  root: BigInt(m.commitments.root),
  owner: m.owner,
})

/** The blocks of a CAR, in its order. */
async function blocksOf(car: AsyncIterable<Uint8Array>): Promise<Block[]> {
  const out: Block[] = []
  for await (const b of await CarBlockIterator.fromIterable(car)) out.push({ cid: CID.decode(b.cid.bytes), bytes: b.bytes })
  return out
}

/** A CARv1 of `blocks` under `root`, in their order. */
async function* carOf(root: CID, blocks: Block[]): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([root])
  const writing = (async () => {
    for (const b of blocks) await writer.put(b)
    await writer.close()
  })()
  yield* out
  await writing
}

describe('mirrorDataset', function () {
  this.timeout(120_000)
  const dirs: string[] = []
  const nodes: EmbeddedHelia[] = []
  let source: { helia: EmbeddedHelia; store: ContentStore }
  let manifest: Manifest
  let manifestCid: string
  let anchor: DatasetAnchor
  // Three leaves and a dag-pb root: a DAG whose blocks can be dropped, forged or reordered.
  const plain = pseudoRandomBytes(2 * 1024 * 1024 + 777, 9)
  const key = generateDataKey()
  const datasetId = 7n

  async function helia(): Promise<{ helia: EmbeddedHelia; store: ContentStore }> {
    const dir = await mkdtemp(join(tmpdir(), 'assay-mirror-'))
    dirs.push(dir)
    const h = await createEmbeddedHelia({ dataDir: dir })
    nodes.push(h)
    return { helia: h, store: createContentStore({ helia: h.helia }) }
  }

  /** A CarSource over the source store's own CAR export, each CAR passed through `edit`, counting requests. */
  function sourceOf(edit?: (cid: CID, blocks: Block[]) => Block[]): CarSource & { requests: string[] } {
    const requests: string[] = []
    return {
      url: 'http://source.test',
      requests,
      async *car(cid, options) {
        requests.push(cid.toString())
        const car = source.store.exportCar(cid, options)
        yield* edit === undefined ? car : carOf(cid, edit(cid, await blocksOf(car)))
      },
    }
  }

  const componentsOf = (target: { helia: EmbeddedHelia; store: ContentStore }, s: CarSource, a = anchor): MirrorComponents => ({
    anchorOf: (id) => Promise.resolve(id === datasetId ? a : undefined),
    blocks: { blockstore: target.helia.helia.blockstore, getCodec: target.helia.helia.getCodec },
    contentStore: target.store,
    source: s,
  })

  /** Every CID of the dataset: manifest first. */
  const parts = (): string[] => [
    manifestCid,
    manifest.content.ciphertextCid,
    manifest.proofs.bundleCid,
    manifest.quality.reportCid,
    manifest.previewCid!,
  ]

  before(async () => {
    source = await helia()
    const added = await source.store.addStream(pieces(plain, 100_000), key)
    const bundle = await source.store.putJson({ batches: [{ proof: 'p'.repeat(3000) }] })
    const report = await source.store.putJson({ score: 91 })
    const preview = await source.store.putBytes(pseudoRandomBytes(5000, 3))
    const base = sampleManifest()
    manifest = parseManifest(
      sampleManifest({
        content: {
          ...base.content,
          ciphertextCid: added.cid.toString(),
          bytes: added.plaintext.bytes,
          plaintextSha256: added.plaintext.sha256,
        },
        proofs: { ...base.proofs, bundleCid: bundle.toString() },
        quality: { score: 91, reportCid: report.toString() },
        previewCid: preview.toString(),
      }),
    )
    manifestCid = (await source.store.putManifest(manifest)).toString()
    anchor = anchorFor(manifest, manifestCid)
  })
  after(async () => {
    for (const n of nodes.splice(0)) await n.stop()
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('fetches the manifest and every object it names, checks them, pins them; a second mirror fetches nothing', async () => {
    const target = await helia()
    for (const cid of parts()) expect(await target.store.isPinned(CID.parse(cid))).to.equal(false)
    const s = sourceOf()
    const mirrored = await mirrorDataset(datasetId, componentsOf(target, s))
    expect([mirrored.outcome, mirrored.fetched, mirrored.held, mirrored.manifestCid]).to.deep.equal(['mirrored', 5, 0, manifestCid])
    expect(mirrored.blocks).to.equal(8) // manifest, bundle, report, preview; the ciphertext's root and 3 leaves
    expect(s.requests).to.deep.equal(parts())
    for (const cid of parts()) expect(await target.store.isPinned(CID.parse(cid)), cid).to.equal(true)
    expect(await target.store.getManifest(CID.parse(manifestCid))).to.deep.equal(manifest)
    expect(sha256(await collect(target.store.cat(CID.parse(manifest.content.ciphertextCid), key)))).to.equal(sha256(plain))

    const again = sourceOf()
    const second = await mirrorDataset(datasetId, componentsOf(target, again))
    expect([second.outcome, second.fetched, second.held, second.blocks, second.bytes]).to.deep.equal(['held', 0, 5, 0, 0])
    expect(again.requests).to.deep.equal([])
  })

  it('refuses a forged block by name and pins nothing of the dataset', async () => {
    const target = await helia()
    const forged = sourceOf((cid, blocks) =>
      cid.toString() === manifest.content.ciphertextCid
        ? blocks.map((b, i) => (i === 2 ? { cid: b.cid, bytes: Uint8Array.from(b.bytes, (x, j) => (j === 10 ? x ^ 1 : x)) } : b))
        : blocks,
    )
    const leaf = (await blocksOf(source.store.exportCar(CID.parse(manifest.content.ciphertextCid))))[2]!.cid.toString()
    const err = await caught(() => mirrorDataset(datasetId, componentsOf(target, forged)))
    expect([err.name, (err as Error & { cid?: string }).cid, err.message]).to.deep.equal([
      'ContentCorruptedError',
      leaf,
      `${leaf}: block bytes do not match the CID`,
    ])
    for (const cid of parts()) expect(await target.store.isPinned(CID.parse(cid)), cid).to.equal(false)
    expect(await target.helia.helia.blockstore.has(CID.parse(leaf))).to.equal(false)
  })

  it('refuses a manifest that does not hash to the anchor, keeping none of its blocks', async () => {
    const target = await helia()
    const other = { ...anchor, anchor: computeAnchor(manifestCid, 43n, statsDigestOf(manifest.stats)) }
    const s = sourceOf()
    const err = await caught(() => mirrorDataset(datasetId, componentsOf(target, s, other)))
    expect([err.name, (err as Error & { field?: string }).field, err.message]).to.deep.equal([
      'AnchorMismatchError',
      'anchor',
      `dataset ${datasetId}: manifest ${manifestCid} does not hash to the anchor on chain`,
    ])
    expect(s.requests).to.deep.equal([manifestCid]) // nothing it names was asked for
    expect(await target.helia.helia.blockstore.has(CID.parse(manifestCid))).to.equal(false)
    const wrongRoot = await caught(() => mirrorDataset(datasetId, componentsOf(target, sourceOf(), { ...anchor, root: 8n })))
    expect([wrongRoot.name, (wrongRoot as Error & { field?: string }).field]).to.deep.equal(['AnchorMismatchError', 'root'])
    const unknown = await caught(() => mirrorDataset(99n, componentsOf(target, sourceOf())))
    expect([unknown.name, unknown.message]).to.deep.equal(['DatasetNotAnchoredError', "dataset 99 is not anchored on this node's chain"])
  })

  it('keeps only the DAG it asked for: blocks out of order are taken, extra blocks dropped, a missing block refused', async () => {
    const target = await helia()
    const stray = (await blocksOf(source.store.exportCar(await source.store.putJson({ stray: true }))))[0]!
    // Leaves before their root, and a block of something else.
    const shuffled = sourceOf((_cid, blocks) => [...blocks.slice(1).reverse(), stray, blocks[0]!])
    const mirrored = await mirrorDataset(datasetId, componentsOf(target, shuffled))
    expect(mirrored.outcome).to.equal('mirrored')
    expect(await target.helia.helia.blockstore.has(stray.cid)).to.equal(false)
    expect(sha256(await collect(target.store.cat(CID.parse(manifest.content.ciphertextCid), key)))).to.equal(sha256(plain))

    const lacking = await helia()
    const report = manifest.quality.reportCid
    const cut = sourceOf((cid, blocks) => (cid.toString() === report ? [] : blocks))
    const err = await caught(() => mirrorDataset(datasetId, componentsOf(lacking, cut)))
    expect([err.name, err.message]).to.deep.equal([
      'IncompleteCarError',
      `the CAR of ${report} does not hold its whole DAG: 1 block(s) missing, e.g. ${report}`,
    ])
    expect(await lacking.store.isPinned(CID.parse(report))).to.equal(false)
    expect(await lacking.store.isPinned(CID.parse(manifestCid))).to.equal(false)
    // Cut short, it takes up where it stopped: what was pinned is not fetched again.
    const resumed = sourceOf()
    const done = await mirrorDataset(datasetId, componentsOf(lacking, resumed))
    expect([done.outcome, done.fetched, done.held, resumed.requests]).to.deep.equal([
      'mirrored',
      3,
      2,
      [manifestCid, report, manifest.previewCid],
    ])
  })

  it('refuses more CAR than an object may take, and a ciphertext that is not the size its manifest records', async () => {
    const target = await helia()
    const err = await caught(() => mirrorDataset(datasetId, componentsOf(target, sourceOf()), { maxObjectBytes: 1000 }))
    expect([err.name, err.message]).to.deep.equal([
      'MirrorTooLargeError',
      `the CAR of ${manifest.proofs.bundleCid} is larger than the 1000 bytes its dataset allows`,
    ])
    // A small report whose CAR comes padded with 7000 bytes of something else: cut off at the bound.
    const stray = await rawBlock(pseudoRandomBytes(7000, 5))
    const padded = sourceOf((cid, blocks) => (cid.toString() === manifest.quality.reportCid ? [...blocks, stray] : blocks))
    const other = await helia()
    const tooLarge = await caught(() => mirrorDataset(datasetId, componentsOf(other, padded), { maxObjectBytes: 6000 }))
    expect([tooLarge.name, tooLarge.message]).to.deep.equal([
      'MirrorTooLargeError',
      `the CAR of ${manifest.quality.reportCid} is larger than the 6000 bytes its dataset allows`,
    ])
    // The ciphertext must describe the envelope its manifest records (here, one stating 1000 bytes).
    const lying = parseManifest({ ...manifest, content: { ...manifest.content, bytes: 1000 } })
    const lyingCid = (await source.store.putManifest(lying)).toString()
    const small = await helia()
    const mismatch = (await caught(() =>
      mirrorDataset(datasetId, componentsOf(small, sourceOf(), anchorFor(lying, lyingCid))),
    )) as Error & {
      cid?: string
      expected?: bigint
      declared?: bigint
    }
    const expected = BigInt(envelopeSize(1000, manifest.encryption.chunkSize))
    const declared = BigInt(envelopeSize(manifest.content.bytes, manifest.encryption.chunkSize))
    expect([mismatch.name, mismatch.cid, mismatch.expected, mismatch.declared]).to.deep.equal([
      'DeclaredSizeMismatchError',
      manifest.content.ciphertextCid,
      expected,
      declared,
    ])
    expect(await small.helia.helia.blockstore.has(CID.parse(manifest.content.ciphertextCid))).to.equal(false)
  })

  it('survives an abort while a part is being pinned: the pin ends, the mirror stops before the manifest', async () => {
    // A preview of 1,000 leaves of 100 bytes: a pin walk long enough to be aborted midway.
    const bytes = pseudoRandomBytes(100_000, 4)
    const preview = await unixfs(source.helia.helia).addBytes(bytes, {
      chunker: fixedSize({ chunkSize: 100 }),
      rawLeaves: true,
      cidVersion: 1,
    })
    const lastLeaf = (await rawBlock(bytes.subarray(99_900))).cid
    expect(await source.helia.helia.blockstore.has(lastLeaf)).to.equal(true)
    const m = parseManifest({ ...manifest, previewCid: preview.toString() })
    const mCid = (await source.store.putManifest(m)).toString()
    const target = await helia()
    const hangUp = new AbortController()
    let abortedMidWalk = false
    const components = componentsOf(target, sourceOf(), anchorFor(m, mCid))
    components.contentStore = {
      isPinned: (cid) => target.store.isPinned(cid),
      getManifest: (cid, options) => target.store.getManifest(cid, options),
      async pin(cid, metadata, options) {
        const pinning = target.store.pin(cid, metadata, options)
        if (cid.equals(preview)) {
          // The operator hangs up once the walk is under way: the root is marked, its leaves are not yet.
          while (!(await target.helia.helia.pins.isPinned(preview))) await new Promise((r) => setImmediate(r))
          abortedMidWalk = !(await target.helia.helia.pins.isPinned(lastLeaf))
          hangUp.abort()
        }
        return pinning
      },
    }
    const err = await caught(() => mirrorDataset(datasetId, components, { signal: hangUp.signal }))
    expect([err.name, abortedMidWalk]).to.deep.equal(['AbortError', true])
    expect(await target.store.isPinned(preview)).to.equal(true)
    expect(await target.helia.helia.pins.isPinned(lastLeaf)).to.equal(true)
    expect(await target.store.isPinned(CID.parse(mCid))).to.equal(false)
  })

  describe('forged datasets (anyone can anchor one)', () => {
    /**
     * A stranger's dataset, anchored as its author would: a manifest (one raw block) naming
     * `ciphertext`, `bundle` and `report` (blocks root first), served by a source of its own.
     */
    async function strangers(parts: { ciphertext: Block[]; bundle?: Block[]; report?: Block[]; bytes?: number }) {
      const small = await rawBlock(new TextEncoder().encode('{"ok":true}'))
      const bundle = parts.bundle ?? [small]
      const report = parts.report ?? [small]
      const base = sampleManifest()
      const m = parseManifest(
        sampleManifest({
          content: { ...base.content, ciphertextCid: parts.ciphertext[0]!.cid.toString(), bytes: parts.bytes ?? 100 },
          proofs: { ...base.proofs, bundleCid: bundle[0]!.cid.toString() },
          quality: { score: 50, reportCid: report[0]!.cid.toString() },
        }),
      )
      const manifestBlock = await rawBlock(new TextEncoder().encode(JSON.stringify(m)))
      const dags = new Map<string, Block[]>(
        [[manifestBlock], parts.ciphertext, bundle, report].map((blocks) => [blocks[0]!.cid.toString(), blocks]),
      )
      const requests: string[] = []
      const closed: string[] = []
      const s: CarSource & { requests: string[]; closed: string[] } = {
        url: 'http://stranger.test',
        requests,
        closed,
        async *car(cid) {
          requests.push(cid.toString())
          try {
            yield* carOf(cid, dags.get(cid.toString()) ?? [])
          } finally {
            closed.push(cid.toString())
          }
        },
      }
      return { manifest: m, manifestCid: manifestBlock.cid.toString(), anchor: anchorFor(m, manifestBlock.cid.toString()), source: s }
    }

    it('refuses an anchored manifest that is not one raw block (a dedup bomb describing a terabyte) without fetching it', async () => {
      const bomb = await dedupBomb(new Uint8Array(256 * 1024).fill(0x20), 2000, 2)
      expect(bomb.size).to.equal(256 * 1024 * 2000 * 2000)
      const s = sourceOf()
      const target = await helia()
      const err = await caught(() => mirrorDataset(datasetId, componentsOf(target, s, { ...anchor, manifestCid: bomb.root.toString() })))
      expect([err.name, err.message]).to.deep.equal([
        'ManifestValidationError',
        `invalid manifest: (root): the anchored manifest ${bomb.root.toString()} is not one raw block (codec 0x70)`,
      ])
      expect(s.requests).to.deep.equal([])
    })

    it('refuses a ciphertext whose root describes another size than its manifest records (a dedup bomb), keeping none of it', async () => {
      // Three blocks: 1000 links to a node of 1000 links to one 16-byte leaf, 16 MB described.
      const bomb = await dedupBomb(new Uint8Array(16).fill(7), 1000, 2)
      const forged = await strangers({ ciphertext: bomb.blocks, bytes: 100 })
      const target = await helia()
      const err = (await caught(() => mirrorDataset(datasetId, componentsOf(target, forged.source, forged.anchor)))) as Error & {
        expected?: bigint
        declared?: bigint
      }
      const expected = BigInt(envelopeSize(100, forged.manifest.encryption.chunkSize))
      expect([err.name, err.expected, err.declared, err.message]).to.deep.equal([
        'DeclaredSizeMismatchError',
        expected,
        16_000_000n,
        `${bomb.root.toString()} describes a file of 16000000 bytes where its manifest records ${expected}`,
      ])
      expect(forged.source.requests).to.deep.equal([forged.manifestCid, bomb.root.toString()])
      // The refused CAR is closed, not left hanging: its source may stop sending.
      while (!forged.source.closed.includes(bomb.root.toString())) await new Promise((r) => setImmediate(r))
      for (const b of bomb.blocks) expect(await target.helia.helia.blockstore.has(b.cid), b.cid.toString()).to.equal(false)
      for (const cid of [forged.manifestCid, bomb.root.toString()]) expect(await target.store.isPinned(CID.parse(cid)), cid).to.equal(false)
    })

    it('refuses a proof bundle whose root describes more than an object may be (a dedup bomb), keeping none of it', async () => {
      const ciphertext = await rawBlock(pseudoRandomBytes(envelopeSize(100, sampleManifest().encryption.chunkSize), 2))
      const bomb = await dedupBomb(new Uint8Array(16).fill(7), 1000, 3)
      const forged = await strangers({ ciphertext: [ciphertext], bundle: bomb.blocks, bytes: 100 })
      const target = await helia()
      const err = (await caught(() => mirrorDataset(datasetId, componentsOf(target, forged.source, forged.anchor)))) as Error & {
        declared?: bigint
      }
      expect([err.name, err.declared, err.message]).to.deep.equal([
        'MirrorTooLargeError',
        16_000_000_000n,
        `${bomb.root.toString()} describes a file of 16000000000 bytes, more than the ${64 * 1024 * 1024} bytes its dataset allows`,
      ])
      for (const b of bomb.blocks) expect(await target.helia.helia.blockstore.has(b.cid), b.cid.toString()).to.equal(false)
      expect(await target.store.isPinned(ciphertext.cid)).to.equal(true) // before it in the manifest: mirrored
      expect(await target.store.isPinned(CID.parse(forged.manifestCid))).to.equal(false)
    })

    it('refuses an object whose root is no UnixFS file, keeping none of it', async () => {
      // A ciphertext as its manifest describes it (one raw block of the envelope's size); a report that is a directory.
      const ciphertext = await rawBlock(pseudoRandomBytes(envelopeSize(100, sampleManifest().encryption.chunkSize), 2))
      const inside = await rawBlock(new TextEncoder().encode('{"score":50}'))
      const directory = await pbBlock(new UnixFS({ type: 'directory' }), [{ Hash: inside.cid, Name: 'report.json', Tsize: 12 }])
      const forged = await strangers({ ciphertext: [ciphertext], report: [directory, inside], bytes: 100 })
      const target = await helia()
      const err = (await caught(() => mirrorDataset(datasetId, componentsOf(target, forged.source, forged.anchor)))) as Error & {
        cid?: string
      }
      expect([err.name, err.cid, err.message]).to.deep.equal([
        'DeclaredSizeMismatchError',
        directory.cid.toString(),
        `${directory.cid.toString()} is not a UnixFS file (its root is neither a raw block nor a dag-pb file node)`,
      ])
      expect(await target.helia.helia.blockstore.has(directory.cid)).to.equal(false)
      expect(await target.store.isPinned(CID.parse(forged.manifestCid))).to.equal(false)
    })
  })

  describe('createGatewaySource', () => {
    let server: Server
    let url: string
    const hits: string[] = []
    before(async () => {
      server = createServer((req, res) => {
        hits.push(`${req.url} ${req.headers.accept}`)
        if (req.url?.startsWith('/moved/') === true) return void res.writeHead(302, { location: req.url.slice('/moved'.length) }).end()
        const cid = /^\/ipfs\/(\w+)\?/.exec(req.url ?? '')?.[1]
        if (cid === undefined || !parts().includes(cid)) return void res.writeHead(404).end()
        if (cid === manifest.quality.reportCid) return void res.writeHead(200) // and then nothing: stalls
        res.writeHead(200, { 'content-type': 'application/vnd.ipld.car; version=1' })
        void (async () => {
          for await (const chunk of source.store.exportCar(CID.parse(cid))) res.write(chunk)
          res.end()
        })()
      })
      server.listen(0, '127.0.0.1')
      await new Promise((r) => server.once('listening', r))
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    })
    after(async () => {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    })

    it('asks a trustless gateway for a CAR of the whole DAG and names what it refused or left unsent', async () => {
      const gateway = createGatewaySource(url, { idleTimeoutMs: 500 })
      const manifestCar = await blocksOf(gateway.car(CID.parse(manifestCid)))
      expect(manifestCar.map((b) => b.cid.toString())).to.deep.equal([manifestCid])
      expect(hits.at(-1)).to.equal(`/ipfs/${manifestCid}?format=car&dag-scope=all application/vnd.ipld.car; version=1; order=dfs; dups=n`)

      const missing = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
      const notThere = (await caught(() => collect(gateway.car(missing)))) as Error & { category?: string; status?: number }
      expect([notThere.name, notThere.category, notThere.status, notThere.message]).to.deep.equal([
        'MirrorSourceError',
        'not-found',
        404,
        `${url} did not serve ${missing.toString()}: it answered 404`,
      ])
      const stalled = (await caught(() => collect(gateway.car(CID.parse(manifest.quality.reportCid))))) as Error & { category?: string }
      expect([stalled.name, stalled.category, stalled.message]).to.deep.equal([
        'MirrorSourceError',
        'unavailable',
        `${url} did not serve ${manifest.quality.reportCid}: nothing arrived for 500 ms`,
      ])
      const closed = `http://127.0.0.1:${await findFreePort()}`
      const refused = (await caught(() => collect(createGatewaySource(closed).car(missing)))) as Error & { category?: string }
      expect([refused.name, refused.category, refused.message]).to.deep.equal([
        'MirrorSourceError',
        'unavailable',
        `${closed} did not serve ${missing.toString()}: connection refused`,
      ])
    })

    it('does not follow a redirect, and names the source without its credentials, query or fragment', async () => {
      const moved = createGatewaySource(`${url}/moved`)
      const before = hits.length
      const err = (await caught(() => collect(moved.car(CID.parse(manifestCid))))) as Error & { status?: number }
      expect([err.name, err.status, err.message]).to.deep.equal([
        'MirrorSourceError',
        302,
        `${url}/moved did not serve ${manifestCid}: it answered 302 (a redirect, not followed)`,
      ])
      expect(hits.slice(before).map((h) => h.split('?')[0])).to.deep.equal([`/moved/ipfs/${manifestCid}`])
      const port = new URL(url).port
      expect(createGatewaySource(`http://user:secret@127.0.0.1:${port}/?token=abc#frag`).url).to.equal(`http://127.0.0.1:${port}`)
    })
  })

  it('records a provider as its origin and path only', () => {
    expect(providerAddress('https://user:secret@gw.example/ipfs-gw/?token=x#y')).to.equal('https://gw.example/ipfs-gw/')
    expect(providerAddress('http://10.0.0.2:7420')).to.equal('http://10.0.0.2:7420')
    expect(providerAddress('http://10.0.0.2:7420/?key=1')).to.equal('http://10.0.0.2:7420')
  })
})
