import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Server } from 'node:http'
import { unixfs } from '@helia/unixfs'
import { CarBlockIterator } from '@ipld/car'
import { code as DAG_PB, decode as decodeDagPb, encode as encodeDagPb, type PBLink } from '@ipld/dag-pb'
import { expect } from 'chai'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { createApp } from '../../server/index.js'
import { checkBlock, DagWalkLimitError, type ContentStore, type DagBlock, type EmbeddedHelia } from '../../storage/index.js'
import { createContentStore, createEmbeddedHelia } from '../../storage/node.js'
import { testAuth } from '../helpers/operator.js'

const RAW = 'application/vnd.ipld.raw'
const CAR = 'application/vnd.ipld.car'
const CAR_N = `${CAR}; version=1; order=dfs; dups=n`
const IMMUTABLE = 'public, max-age=29030400, immutable'
const LEAF = 1_048_576
const FILE_BYTES = 2 * LEAF + 300_000

/** What the node holds, by CID, named by the rows below. */
interface Fixture {
  /** A UnixFS file of three 1 MiB raw leaves under a dag-pb root. */
  file: string
  leaves: string[]
  /** A JSON object: one raw block. */
  json: string
  /** A directory: report.json (the JSON) and data/blob.bin (the file). */
  dir: string
  data: string
  /** A HAMT-sharded directory of 24 entries (fanout 4), entry-7 the JSON. */
  hamt: string
  /** A block in the blockstore that nothing pins. */
  unpinned: string
  /** Catalogued (served if held) but held nowhere. */
  missing: string
  /** An identity CID holding "hi". */
  hi: string
  // Forged input: blocks whose bytes a stranger chose, pinned here as they are (e.g. after a mirror).
  /** A "dedup bomb": a file of 10^9 16-byte leaves in four blocks, each node linking 1000 times to the next. */
  bomb: string
  /** Its blocks, root first: the three nodes, then the one leaf. */
  bombBlocks: string[]
  /** A CID nothing here holds, pins or catalogues. */
  elsewhere: string
  /** A pinned raw block, `{"/": elsewhere}`, named as dag-json (the same multihash). */
  asDagJson: string
  /** The same, named as dag-cbor. */
  asDagCbor: string
  /** A pinned raw block whose bytes happen to be a dag-pb node linking to `elsewhere`, named as dag-pb. */
  asDagPbLinking: string
  /** A pinned raw block of text, named as dag-pb: not decodable as dag-pb. */
  asDagPbText: string
  /** A catalogued CID of a block held here, under a codec nobody knows (0x9999). */
  unknownCodec: string
  /** A HAMT whose shards each link 256 times to the same sub-shard, three deep; `wanted` in the last. */
  forgedHamt: string
}

interface Answer {
  status: number
  headers: Headers
  body: Uint8Array
  /** Whether the body was cut short (the node destroyed the answer). */
  cut: boolean
}

/** A UnixFS file node whose `fanout` links all lead to `child`, of `childSize` bytes. */
function fileNode(child: CID, childSize: number, fanout: number): Uint8Array {
  const unixfs = new UnixFS({ type: 'file' })
  for (let i = 0; i < fanout; i++) unixfs.addBlockSize(BigInt(childSize))
  return encodeDagPb({ Data: unixfs.marshal(), Links: Array.from({ length: fanout }, () => ({ Hash: child, Tsize: childSize })) })
}

/** A HAMT shard (fanout 256) of these links, named by slot ("00") or slot and name ("A7wanted"). */
function shardNode(links: PBLink[]): Uint8Array {
  return encodeDagPb({ Data: new UnixFS({ type: 'hamt-sharded-directory', fanout: 256n, hashType: 0x22n }).marshal(), Links: links })
}

const SLOTS = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'))

/** The blocks of a CAR answer, each checked against its CID. */
async function carOf(body: Uint8Array): Promise<{ roots: string[]; blocks: string[] }> {
  const iterator = await CarBlockIterator.fromBytes(body)
  const blocks: string[] = []
  for await (const block of iterator) {
    const cid = CID.decode(block.cid.bytes)
    await checkBlock(cid, block.bytes)
    blocks.push(cid.toString())
  }
  return { roots: (await iterator.getRoots()).map(String), blocks }
}

/** A row of the conformance table: a request, and what the answer must be. */
interface Row {
  it: string
  path: (f: Fixture) => string
  method?: 'GET' | 'HEAD' | 'OPTIONS'
  headers?: Record<string, string> | ((f: Fixture) => Record<string, string>)
  status: number
  /** Headers the answer carries (exact text or a pattern). */
  has?: (f: Fixture) => Record<string, string | RegExp>
  /** Headers it must not carry. */
  lacks?: string[]
  /** CAR: its roots and blocks, in order. */
  car?: (f: Fixture) => { roots?: string[]; blocks: string[] }
  /** A named error: its name, and the parameter its message starts with. */
  error?: { name: string; message?: RegExp }
  /** The answer is cut short after its status (a CAR whose walk failed midway). */
  cut?: boolean
  body?: (body: Uint8Array, f: Fixture, store: ContentStore) => Promise<void> | void
}

const errorBody = (body: Uint8Array): { name: string; message: string } =>
  (JSON.parse(new TextDecoder().decode(body)) as { error: { name: string; message: string } }).error

describe('the trustless gateway (a real Helia content store, conformance with the specification)', function () {
  this.timeout(60_000)
  let dir: string
  let node: EmbeddedHelia
  let store: ContentStore
  let server: Server
  let base: string
  const f = {} as Fixture
  const fileBytes = new Uint8Array(FILE_BYTES).map((_, i) => (i * 7) % 251)
  /** Every CID the node asked its blockstore for without `offline` (Helia would ask its peers for a missing one). */
  const online: string[] = []

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-gateway-'))
    node = await createEmbeddedHelia({ dataDir: dir })
    store = createContentStore({ helia: node.helia })
    const file = await store.putBytes(fileBytes)
    f.file = file.toString()
    f.leaves = decodeDagPb(await store.getBlock(file)).Links.map((l) => CID.decode(l.Hash.bytes).toString())
    const json = await store.putJson({ report: 'quality', score: 0.97 })
    f.json = json.toString()
    const fs = unixfs({ blockstore: node.helia.blockstore })
    const data = await fs.cp(file, await fs.addDirectory(), 'blob.bin')
    f.data = data.toString()
    const directory = await fs.cp(data, await fs.cp(json, await fs.addDirectory(), 'report.json'), 'data')
    f.dir = directory.toString()
    await store.pin(directory, { kind: 'test' })
    let hamt = await fs.addDirectory()
    for (let i = 0; i < 24; i++) {
      const entry = i === 7 ? json : await store.putJson({ entry: i })
      hamt = await fs.cp(entry, hamt, `entry-${i}`, { shardSplitThresholdBytes: 1, shardFanoutBits: 2 })
    }
    f.hamt = hamt.toString()
    await store.pin(hamt, { kind: 'test' })
    const loose = new TextEncoder().encode('held, never pinned')
    const unpinned = CID.createV1(0x55, await sha256.digest(loose))
    await node.helia.blockstore.put(unpinned, loose)
    f.unpinned = unpinned.toString()
    f.missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('catalogued, held by nobody'))).toString()
    f.hi = CID.createV1(0x55, identity.digest(new TextEncoder().encode('hi'))).toString()

    // Forged input, pinned block by block as it is (each pin covers its block alone).
    const pinBlock = async (code: number, bytes: Uint8Array): Promise<CID> => {
      const cid = CID.createV1(code, await sha256.digest(bytes))
      await node.helia.blockstore.put(cid, bytes)
      for await (const _ of node.helia.pins.add(cid, { depth: 0 })) {
        // pinning
      }
      return cid
    }
    const leaf = await pinBlock(0x55, new Uint8Array(16).fill(1))
    const bombBlocks = [leaf]
    for (let level = 1, child = leaf; level <= 3; level++) {
      child = await pinBlock(DAG_PB, fileNode(child, 16 * 1000 ** (level - 1), 1000))
      bombBlocks.unshift(child)
    }
    f.bombBlocks = bombBlocks.map(String)
    f.bomb = f.bombBlocks[0]!
    const elsewhere = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode('held, pinned and catalogued by nobody')))
    f.elsewhere = elsewhere.toString()
    const linkingJson = await store.putBytes(new TextEncoder().encode(`{"/":"${f.elsewhere}"}`))
    f.asDagJson = CID.createV1(0x0129, linkingJson.multihash).toString()
    f.asDagCbor = CID.createV1(0x71, linkingJson.multihash).toString()
    const linkingPb = await store.putBytes(encodeDagPb({ Links: [{ Hash: elsewhere, Name: 'x', Tsize: 1 }] }))
    f.asDagPbLinking = CID.createV1(DAG_PB, linkingPb.multihash).toString()
    const text = await store.putBytes(new TextEncoder().encode('not json, not cbor, not dag-pb {'))
    f.asDagPbText = CID.createV1(DAG_PB, text.multihash).toString()
    f.unknownCodec = CID.createV1(0x9999, text.multihash).toString()
    let shard = await pinBlock(DAG_PB, shardNode([{ Name: 'A7wanted', Hash: json, Tsize: 1 }]))
    for (let depth = 0; depth < 3; depth++)
      shard = await pinBlock(DAG_PB, shardNode(SLOTS.map((Name) => ({ Name, Hash: shard, Tsize: 1 }))))
    f.forgedHamt = shard.toString()

    const blockstore = node.helia.blockstore as unknown as { get(cid: CID, options?: { offline?: boolean }): AsyncGenerator<Uint8Array> }
    const get = blockstore.get.bind(blockstore)
    blockstore.get = (cid, options) => {
      if (options?.offline !== true) online.push(cid.toString())
      return get(cid, options)
    }
    const app = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      ipfs: { contentStore: store, catalogued: (cid) => cid === f.missing || cid === f.unknownCodec, blockTimeoutMs: 300 },
    })
    server = app.listen(0, '127.0.0.1')
    await once(server, 'listening')
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    server?.close()
    await node?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  async function ask(path: string, init: RequestInit = {}, at = base): Promise<Answer> {
    const res = await fetch(at + path, init)
    try {
      return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()), cut: false }
    } catch {
      return { status: res.status, headers: res.headers, body: new Uint8Array(), cut: true }
    }
  }

  const rows: Row[] = [
    // Probes
    {
      it: 'answers the empty identity CID as a raw block with an empty body (the gateway probe)',
      path: () => '/ipfs/bafkqaaa?format=raw',
      status: 200,
      has: () => ({ 'content-type': RAW, 'content-length': '0' }),
      body: (body) => void expect(body.length).to.equal(0),
    },
    {
      it: 'answers HEAD of the probe with 200 and no body',
      path: () => '/ipfs/bafkqaaa?format=raw',
      method: 'HEAD',
      status: 200,
      body: (body) => void expect(body.length).to.equal(0),
    },
    {
      it: 'answers the probe as a CAR whose root is bafkqaaa and that carries no identity block',
      path: () => '/ipfs/bafkqaaa?format=car',
      status: 200,
      has: () => ({ 'content-type': CAR_N }),
      car: () => ({ roots: ['bafkqaaa'], blocks: [] }),
    },
    {
      it: 'answers any identity CID from the CID itself',
      path: (x) => `/ipfs/${x.hi}?format=raw`,
      status: 200,
      body: (body) => void expect(new TextDecoder().decode(body)).to.equal('hi'),
    },
    // Raw blocks
    {
      it: 'answers the root of a multi-block file with its stored root block, not the file',
      path: (x) => `/ipfs/${x.file}?format=raw`,
      status: 200,
      has: (x) => ({
        'content-type': RAW,
        'content-disposition': `attachment; filename="${x.file}.bin"`,
        'x-content-type-options': 'nosniff',
        etag: `"${x.file}.raw"`,
        'cache-control': IMMUTABLE,
        vary: 'Accept',
        'x-ipfs-path': `/ipfs/${x.file}`,
        'x-ipfs-roots': `${x.file}`,
      }),
      lacks: ['content-location'],
      body: async (body, x, s) => {
        expect(body.length).to.be.below(1000)
        const root = CID.parse(x.file)
        expect(Buffer.from(body).equals(Buffer.from(await s.getBlock(root)))).to.equal(true)
        expect(createHash('sha256').update(body).digest('hex')).to.equal(Buffer.from(root.multihash.digest).toString('hex'))
      },
    },
    {
      it: 'answers a leaf of a pinned file (a block-by-block client asks for each)',
      path: (x) => `/ipfs/${x.leaves[2]!}?format=raw`,
      status: 200,
      has: (x) => ({ 'content-length': String(FILE_BYTES - 2 * LEAF), etag: `"${x.leaves[2]!}.raw"` }),
      body: (body) => void expect(Buffer.from(body).equals(Buffer.from(fileBytes.subarray(2 * LEAF)))).to.equal(true),
    },
    {
      it: 'negotiates raw from Accept and names the ?format= URL in Content-Location',
      path: (x) => `/ipfs/${x.json}`,
      headers: { accept: RAW },
      status: 200,
      has: (x) => ({ 'content-type': RAW, 'content-location': `/ipfs/${x.json}?format=raw`, vary: 'Accept' }),
    },
    {
      it: 'takes the highest weighted type from Accept (raw at 0.9 over a CAR at 0.1)',
      path: (x) => `/ipfs/${x.json}`,
      headers: { accept: `${CAR};q=0.1, ${RAW};q=0.9` },
      status: 200,
      has: () => ({ 'content-type': RAW }),
    },
    {
      it: 'takes a CAR over raw when raw weighs less',
      path: (x) => `/ipfs/${x.json}`,
      headers: { accept: `${RAW};q=0.5, ${CAR}` },
      status: 200,
      has: (x) => ({ 'content-type': CAR_N, 'content-location': `/ipfs/${x.json}?format=car` }),
    },
    {
      it: 'never picks a type weighted 0',
      path: (x) => `/ipfs/${x.json}`,
      headers: { accept: `${CAR};q=0, ${RAW};q=0.2` },
      status: 200,
      has: () => ({ 'content-type': RAW }),
    },
    {
      it: 'lets ?format= win over Accept',
      path: (x) => `/ipfs/${x.json}?format=raw`,
      headers: { accept: CAR },
      status: 200,
      has: () => ({ 'content-type': RAW }),
      lacks: ['content-location'],
    },
    {
      it: 'answers HEAD of a raw block with its headers and length, and no body',
      path: (x) => `/ipfs/${x.leaves[0]!}?format=raw`,
      method: 'HEAD',
      status: 200,
      has: () => ({ 'content-type': RAW, 'content-length': String(LEAF) }),
      body: (body) => void expect(body.length).to.equal(0),
    },
    // CARs
    {
      it: 'streams the whole file as a CARv1 in depth-first order, declaring order and dups',
      path: (x) => `/ipfs/${x.file}?format=car`,
      status: 200,
      has: (x) => ({
        'content-type': CAR_N,
        'content-disposition': `attachment; filename="${x.file}.car"`,
        'x-content-type-options': 'nosniff',
        'cache-control': IMMUTABLE,
        vary: 'Accept',
        etag: new RegExp(`^"${x.file}\\.car\\.[0-9a-f]{16}"$`),
      }),
      car: (x) => ({ roots: [x.file], blocks: [x.file, ...x.leaves] }),
    },
    {
      it: 'answers dag-scope=block with the root block alone',
      path: (x) => `/ipfs/${x.file}?format=car&dag-scope=block`,
      status: 200,
      car: (x) => ({ blocks: [x.file] }),
    },
    {
      it: 'answers dag-scope=entity of a file with the blocks of its bytes',
      path: (x) => `/ipfs/${x.file}?format=car&dag-scope=entity`,
      status: 200,
      car: (x) => ({ blocks: [x.file, ...x.leaves] }),
    },
    {
      it: 'answers entity-bytes=0:0 with the root and the first leaf only',
      path: (x) => `/ipfs/${x.file}?format=car&entity-bytes=0:0`,
      status: 200,
      car: (x) => ({ blocks: [x.file, x.leaves[0]!] }),
    },
    {
      it: 'answers a byte range inside the second leaf with the root and that leaf',
      path: (x) => `/ipfs/${x.file}?format=car&dag-scope=entity&entity-bytes=${LEAF + 10}:${LEAF + 20}`,
      status: 200,
      car: (x) => ({ blocks: [x.file, x.leaves[1]!] }),
    },
    {
      it: 'answers a range across a leaf boundary with both leaves',
      path: (x) => `/ipfs/${x.file}?format=car&entity-bytes=${LEAF - 1}:${LEAF}`,
      status: 200,
      car: (x) => ({ blocks: [x.file, x.leaves[0]!, x.leaves[1]!] }),
    },
    {
      it: 'counts negative offsets from the end (-1:* is the last byte)',
      path: (x) => `/ipfs/${x.file}?format=car&entity-bytes=-1:*`,
      status: 200,
      car: (x) => ({ blocks: [x.file, x.leaves[2]!] }),
    },
    {
      it: 'answers a range that resolves to nothing with the root block alone',
      path: (x) => `/ipfs/${x.file}?format=car&entity-bytes=100:-${FILE_BYTES - 50}`,
      status: 200,
      car: (x) => ({ blocks: [x.file] }),
    },
    {
      it: 'answers car-dups=y and declares it',
      path: (x) => `/ipfs/${x.file}?format=car&car-dups=y`,
      status: 200,
      has: () => ({ 'content-type': `${CAR}; version=1; order=dfs; dups=y` }),
      car: (x) => ({ blocks: [x.file, ...x.leaves] }),
    },
    {
      it: 'takes order and dups from the Accept header’s CAR parameters',
      path: (x) => `/ipfs/${x.file}`,
      headers: { accept: `${CAR}; version=1; order=dfs; dups=y` },
      status: 200,
      has: (x) => ({ 'content-type': `${CAR}; version=1; order=dfs; dups=y`, 'content-location': `/ipfs/${x.file}?format=car` }),
    },
    {
      it: 'answers car-order=unk in depth-first order, and says so',
      path: (x) => `/ipfs/${x.json}?format=car&car-order=unk`,
      status: 200,
      has: () => ({ 'content-type': CAR_N }),
      car: (x) => ({ blocks: [x.json] }),
    },
    {
      it: 'skips an Accept CAR variant it cannot serve for one it can',
      path: (x) => `/ipfs/${x.json}`,
      headers: { accept: `${CAR}; version=2, ${CAR}; version=1; q=0.5` },
      status: 200,
      has: () => ({ 'content-type': CAR_N }),
    },
    {
      it: 'answers HEAD of a CAR with its headers and no body',
      path: (x) => `/ipfs/${x.file}?format=car`,
      method: 'HEAD',
      status: 200,
      has: () => ({ 'content-type': CAR_N }),
      body: (body) => void expect(body.length).to.equal(0),
    },
    // Paths
    {
      it: 'follows a directory path: the directory block, then the entity',
      path: (x) => `/ipfs/${x.dir}/report.json?format=car`,
      status: 200,
      has: (x) => ({ 'x-ipfs-path': `/ipfs/${x.dir}/report.json`, 'x-ipfs-roots': `${x.dir},${x.json}` }),
      car: (x) => ({ roots: [x.dir], blocks: [x.dir, x.json] }),
    },
    {
      it: 'follows a nested path and cuts its end to dag-scope=block',
      path: (x) => `/ipfs/${x.dir}/data/blob.bin?format=car&dag-scope=block`,
      status: 200,
      has: (x) => ({ 'x-ipfs-roots': `${x.dir},${x.data},${x.file}` }),
      car: (x) => ({ blocks: [x.dir, x.data, x.file] }),
    },
    {
      it: 'answers dag-scope=entity of a directory with its block alone',
      path: (x) => `/ipfs/${x.dir}?format=car&dag-scope=entity`,
      status: 200,
      car: (x) => ({ blocks: [x.dir] }),
    },
    {
      it: 'follows a path through a HAMT-sharded directory',
      path: (x) => `/ipfs/${x.hamt}/entry-7?format=car`,
      status: 200,
      has: (x) => ({ 'x-ipfs-roots': `${x.hamt},${x.json}` }),
      body: async (body, x) => {
        const { blocks } = await carOf(body)
        expect(blocks[0]).to.equal(x.hamt)
        expect(blocks.at(-1)).to.equal(x.json)
      },
    },
    {
      it: 'answers a path to nothing with 404',
      path: (x) => `/ipfs/${x.dir}/missing.json?format=car`,
      status: 404,
      error: { name: 'ContentNotFoundError', message: /no entry named "missing.json"/ },
    },
    {
      it: 'answers a path under a file with 404',
      path: (x) => `/ipfs/${x.file}/inside?format=car`,
      status: 404,
      error: { name: 'ContentNotFoundError', message: /not a UnixFS directory/ },
    },
    // Caching
    {
      it: 'answers If-None-Match naming the ETag with 304 and no body',
      path: (x) => `/ipfs/${x.file}?format=raw`,
      headers: (x) => ({ 'if-none-match': `"${x.file}.raw"` }),
      status: 304,
      has: (x) => ({ etag: `"${x.file}.raw"`, 'cache-control': IMMUTABLE }),
      body: (body) => void expect(body.length).to.equal(0),
    },
    {
      it: 'compares If-None-Match weakly',
      path: (x) => `/ipfs/${x.file}?format=raw`,
      headers: (x) => ({ 'if-none-match': `"other", W/"${x.file}.raw"` }),
      status: 304,
    },
    {
      it: 'answers If-None-Match naming the raw ETag with a CAR: another representation',
      path: (x) => `/ipfs/${x.file}?format=car`,
      headers: (x) => ({ 'if-none-match': `"${x.file}.raw"` }),
      status: 200,
    },
    {
      it: 'answers only-if-cached for a block held here as usual',
      path: (x) => `/ipfs/${x.json}?format=raw`,
      headers: { 'cache-control': 'only-if-cached' },
      status: 200,
      has: () => ({ 'content-type': RAW }),
    },
    {
      it: 'answers HEAD with only-if-cached for a block held here with 200 and no body',
      path: (x) => `/ipfs/${x.file}?format=car`,
      method: 'HEAD',
      headers: { 'cache-control': 'only-if-cached' },
      status: 200,
      body: (body) => void expect(body.length).to.equal(0),
    },
    {
      it: 'answers only-if-cached for catalogued content not held here with 412 and no body',
      path: (x) => `/ipfs/${x.missing}?format=raw`,
      headers: { 'cache-control': 'max-age=0, only-if-cached' },
      status: 412,
      lacks: ['etag', 'cache-control'],
      body: (body) => void expect(body.length).to.equal(0),
    },
    // What the node does not serve
    {
      it: 'answers catalogued content that no peer delivers in time with 404',
      path: (x) => `/ipfs/${x.missing}?format=raw`,
      status: 404,
      error: { name: 'ContentNotFoundError' },
      // A refusal is not the content: no cache may keep it as immutable.
      lacks: ['cache-control'],
    },
    {
      it: 'answers a block it holds but nothing pins with 404',
      path: (x) => `/ipfs/${x.unpinned}?format=raw`,
      status: 404,
      error: { name: 'NotFoundError', message: /not served by this node/ },
    },
    {
      it: 'answers an identity CID with a path with 404 (it would lead to blocks nobody vetted)',
      path: () => '/ipfs/bafkqaaa/x?format=car',
      status: 404,
      error: { name: 'NotFoundError' },
    },
    // Forged or malformed input
    {
      it: 'refuses a malformed CID with a named 400',
      path: () => '/ipfs/not-a-cid?format=raw',
      status: 400,
      error: { name: 'GatewayRequestError', message: /^cid: / },
    },
    {
      it: 'refuses a CID too long to be one',
      path: () => `/ipfs/bafkqa${'a'.repeat(600)}?format=raw`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^cid: longer than 512/ },
    },
    {
      it: 'refuses a request with neither ?format= nor a trustless Accept type',
      path: (x) => `/ipfs/${x.json}`,
      headers: { accept: '*/*' },
      status: 400,
      error: { name: 'GatewayRequestError', message: /^format: ask for \?format=raw/ },
    },
    {
      it: 'refuses a format it does not serve',
      path: (x) => `/ipfs/${x.json}?format=dag-json`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^format: "dag-json" is not served/ },
    },
    {
      it: 'refuses a format given twice',
      path: (x) => `/ipfs/${x.json}?format=raw&format=car`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^format: give it once/ },
    },
    {
      it: 'refuses car-version=2 clearly',
      path: (x) => `/ipfs/${x.json}?format=car&car-version=2`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^car-version: CAR version "2" is not served: only CARv1/ },
    },
    {
      it: 'refuses a CARv2 asked for in Accept, naming the header',
      path: (x) => `/ipfs/${x.json}`,
      headers: { accept: `${CAR}; version=2` },
      status: 400,
      error: { name: 'GatewayRequestError', message: /^accept: CAR version "2"/ },
    },
    {
      it: 'refuses a block order it does not know',
      path: (x) => `/ipfs/${x.json}?format=car&car-order=bfs`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^car-order: / },
    },
    {
      it: 'refuses car-dups other than y or n',
      path: (x) => `/ipfs/${x.json}?format=car&car-dups=maybe`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^car-dups: / },
    },
    {
      it: 'refuses a dag-scope it does not know',
      path: (x) => `/ipfs/${x.file}?format=car&dag-scope=everything`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^dag-scope: "everything" is not block, entity or all/ },
    },
    {
      it: 'refuses entity-bytes that are not from:to',
      path: (x) => `/ipfs/${x.file}?format=car&entity-bytes=1-2`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^entity-bytes: "1-2" is not from:to/ },
    },
    {
      it: 'refuses entity-bytes that end before they start',
      path: (x) => `/ipfs/${x.file}?format=car&entity-bytes=10:5`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^entity-bytes: ends at byte 5, before it starts \(10\)/ },
    },
    {
      it: 'refuses entity-bytes with a scope other than entity',
      path: (x) => `/ipfs/${x.file}?format=car&dag-scope=all&entity-bytes=0:10`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^entity-bytes: applies to dag-scope=entity/ },
    },
    {
      it: 'refuses entity-bytes past the end of the file, which it knows before sending anything',
      path: (x) => `/ipfs/${x.file}?format=car&entity-bytes=${FILE_BYTES}:*`,
      status: 400,
      error: { name: 'GatewayRequestError', message: new RegExp(`^entity-bytes: starts at byte ${FILE_BYTES}, past the end`) },
    },
    {
      it: 'refuses a raw block asked for with a path',
      path: (x) => `/ipfs/${x.dir}/report.json?format=raw`,
      status: 400,
      error: { name: 'GatewayRequestError', message: /^path: a raw block is asked for by its CID alone/ },
    },
    // CORS: these read-only routes only
    {
      it: 'answers a CORS preflight for the gateway with 204, for GET and HEAD from any origin',
      path: (x) => `/ipfs/${x.file}?format=car`,
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'GET' },
      status: 204,
      has: () => ({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': /Cache-Control, If-None-Match/,
      }),
    },
    {
      it: 'lets pages on other origins read answers and the gateway headers',
      path: (x) => `/ipfs/${x.json}?format=raw`,
      headers: { origin: 'https://elsewhere.example' },
      status: 200,
      has: () => ({ 'access-control-allow-origin': '*', 'access-control-expose-headers': /ETag.*X-Ipfs-Path, X-Ipfs-Roots/ }),
      lacks: ['access-control-allow-credentials'],
    },
    {
      it: 'opens no other route to other origins: the operator sign-in’s preflight gets no CORS headers',
      path: () => '/operator/session',
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
      status: 200, // express's own answer: the methods, for same-origin callers
      lacks: ['access-control-allow-origin', 'access-control-allow-methods'],
    },
    {
      it: 'opens no other route to other origins: /health carries no CORS headers',
      path: () => '/health',
      headers: { origin: 'https://elsewhere.example' },
      status: 200,
      lacks: ['access-control-allow-origin'],
    },
    // Forged DAGs: a stranger's blocks, pinned here
    {
      it: 'walks a dedup bomb (a file of 10^9 leaves in four blocks) once per block with dag-scope=entity',
      path: (x) => `/ipfs/${x.bomb}?format=car&dag-scope=entity`,
      status: 200,
      car: (x) => ({ blocks: x.bombBlocks }),
    },
    {
      it: 'walks a dedup bomb once per block with dag-scope=all',
      path: (x) => `/ipfs/${x.bomb}?format=car&dag-scope=all`,
      status: 200,
      car: (x) => ({ blocks: x.bombBlocks }),
    },
    {
      it: 'walks a dedup bomb once per block for the whole file asked as entity-bytes=0:*',
      path: (x) => `/ipfs/${x.bomb}?format=car&entity-bytes=0:*`,
      status: 200,
      car: (x) => ({ blocks: x.bombBlocks }),
    },
    {
      it: 'answers a dedup bomb’s byte range with the blocks over it, each once',
      path: (x) => `/ipfs/${x.bomb}?format=car&entity-bytes=8:${16 * 1000 * 1000 + 40}`,
      status: 200,
      car: (x) => ({ blocks: x.bombBlocks }),
    },
    {
      it: 'answers a searched HAMT whose shards link to one sub-shard 256 times, searching each shard once',
      path: (x) => `/ipfs/${x.forgedHamt}/absent?format=car`,
      status: 404,
      error: { name: 'ContentNotFoundError', message: /no entry named "absent"/ },
    },
    {
      it: 'follows a path through that forged HAMT to the entry it holds',
      path: (x) => `/ipfs/${x.forgedHamt}/wanted?format=car&dag-scope=block`,
      status: 200,
      has: (x) => ({ 'x-ipfs-roots': `${x.forgedHamt},${x.json}` }),
    },
    // Pinned bytes named under another codec (pins and blocks are keyed by multihash)
    {
      it: 'refuses a pinned block named as dag-json with 404, before walking the links in its bytes',
      path: (x) => `/ipfs/${x.asDagJson}?format=car`,
      status: 404,
      error: { name: 'NotFoundError', message: /under codec 0x129: this node serves pinned content under the codecs it stores it with/ },
    },
    {
      it: 'refuses a pinned block named as dag-cbor with 404, raw too',
      path: (x) => `/ipfs/${x.asDagCbor}?format=raw`,
      status: 404,
      error: { name: 'NotFoundError', message: /under codec 0x71/ },
    },
    {
      it: 'answers pinned bytes named as dag-pb that are not dag-pb with 400 UndecodableBlockError',
      path: (x) => `/ipfs/${x.asDagPbText}?format=car`,
      status: 400,
      error: { name: 'UndecodableBlockError', message: /not decodable as dag-pb/ },
    },
    {
      it: 'answers the same with dag-scope=entity with 400 UndecodableBlockError',
      path: (x) => `/ipfs/${x.asDagPbText}?format=car&dag-scope=entity`,
      status: 400,
      error: { name: 'UndecodableBlockError' },
    },
    {
      it: 'answers the same with dag-scope=block with the block, which needs no decoding',
      path: (x) => `/ipfs/${x.asDagPbText}?format=car&dag-scope=block`,
      status: 200,
      car: (x) => ({ blocks: [x.asDagPbText] }),
    },
    {
      it: 'cuts the CAR of a pinned block named as dag-pb where it links outside the pins, fetching nothing',
      path: (x) => `/ipfs/${x.asDagPbLinking}?format=car`,
      status: 200,
      cut: true,
    },
    {
      it: 'answers catalogued content under a codec it cannot decode with 400 UndecodableBlockError',
      path: (x) => `/ipfs/${x.unknownCodec}?format=car`,
      status: 400,
      error: { name: 'UndecodableBlockError', message: /not decodable as 0x9999/ },
    },
    {
      it: 'answers catalogued content under a codec it cannot decode with dag-scope=block',
      path: (x) => `/ipfs/${x.unknownCodec}?format=car&dag-scope=block`,
      status: 200,
      car: (x) => ({ blocks: [x.unknownCodec] }),
    },
  ]

  for (const row of rows) {
    it(row.it, async () => {
      const headers = typeof row.headers === 'function' ? row.headers(f) : (row.headers ?? {})
      const answer = await ask(row.path(f), { method: row.method ?? 'GET', headers })
      const detail = `${row.method ?? 'GET'} ${row.path(f)}: ${new TextDecoder().decode(answer.body.subarray(0, 300))}`
      expect(answer.status, detail).to.equal(row.status)
      expect(answer.cut, `${detail}: cut short`).to.equal(row.cut ?? false)
      for (const [name, expected] of Object.entries(row.has?.(f) ?? {})) {
        const actual = answer.headers.get(name)
        if (expected instanceof RegExp) expect(actual, name).to.match(expected)
        else expect(actual, name).to.equal(expected)
      }
      for (const name of row.lacks ?? []) expect(answer.headers.get(name), name).to.equal(null)
      if (row.car !== undefined) {
        const expected = row.car(f)
        const car = await carOf(answer.body)
        expect(car.blocks).to.deep.equal(expected.blocks)
        if (expected.roots !== undefined) expect(car.roots).to.deep.equal(expected.roots)
      }
      if (row.error !== undefined) {
        const error = errorBody(answer.body)
        expect(error.name).to.equal(row.error.name)
        if (row.error.message !== undefined) expect(error.message).to.match(row.error.message)
      }
      await row.body?.(answer.body, f, store)
    })
  }

  it('gives each representation its own ETag: raw, and a CAR per scope, byte range, duplicates and path', async () => {
    const paths = [
      `/ipfs/${f.file}?format=raw`,
      `/ipfs/${f.file}?format=car`,
      `/ipfs/${f.file}?format=car&dag-scope=block`,
      `/ipfs/${f.file}?format=car&dag-scope=entity`,
      `/ipfs/${f.file}?format=car&entity-bytes=0:0`,
      `/ipfs/${f.file}?format=car&entity-bytes=0:1`,
      `/ipfs/${f.file}?format=car&car-dups=y`,
      `/ipfs/${f.dir}/data?format=car`,
      `/ipfs/${f.dir}/report.json?format=car`,
    ]
    const etags = await Promise.all(paths.map(async (p) => (await ask(p, { method: 'HEAD' })).headers.get('etag')))
    expect(etags.every((e) => e !== null)).to.equal(true)
    expect(new Set(etags).size).to.equal(paths.length)
    // The same request, the same ETag; order=unk is answered in the same depth-first order.
    expect((await ask(`/ipfs/${f.file}?format=car&car-order=unk`, { method: 'HEAD' })).headers.get('etag')).to.equal(etags[1])
  })

  it('answers the same CAR twice byte for byte, so its ETag is strong', async () => {
    const [a, b] = await Promise.all([ask(`/ipfs/${f.dir}?format=car`), ask(`/ipfs/${f.dir}?format=car`)])
    expect(a.headers.get('etag')).to.not.match(/^W\//)
    expect(Buffer.from(a.body).equals(Buffer.from(b.body))).to.equal(true)
  })

  it('drops a client that stops reading a CAR, rather than holding its blocks and socket', async () => {
    // More than loopback's socket buffers hold, so the node must wait for the client.
    const large = await store.putBytes(randomBytes(12 * LEAF))
    const app = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      ipfs: { contentStore: store, stallTimeoutMs: 200 },
    })
    const stalling = app.listen(0, '127.0.0.1')
    await once(stalling, 'listening')
    const open = (): Promise<number> =>
      new Promise((resolve, reject) => stalling.getConnections((err, n) => (err ? reject(err) : resolve(n))))
    try {
      const socket = connect((stalling.address() as AddressInfo).port, '127.0.0.1')
      await once(socket, 'connect')
      socket.pause() // reads nothing
      socket.write(`GET /ipfs/${large.toString()}?format=car HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
      const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))
      while ((await open()) === 0) await tick()
      while ((await open()) > 0) await tick()
      socket.destroy()
    } finally {
      stalling.close()
    }
  })

  it('sends every block the file links to once with dups=n, and each time it is linked with dups=y', async () => {
    // A file whose two leaves are the same block.
    const half = new Uint8Array(LEAF).fill(9)
    const twice = await store.putBytes(new Uint8Array([...half, ...half]))
    const single = await carOf((await ask(`/ipfs/${twice.toString()}?format=car`)).body)
    const dups = await carOf((await ask(`/ipfs/${twice.toString()}?format=car&car-dups=y`)).body)
    expect(single.blocks).to.have.length(2)
    expect(dups.blocks).to.have.length(3)
    expect(dups.blocks[1]).to.equal(dups.blocks[2])
  })

  it('reads pinned content from its pins alone, never asking peers, whatever codec its CID names', async () => {
    online.length = 0
    for (const path of [
      `/ipfs/${f.asDagJson}?format=car`,
      `/ipfs/${f.asDagPbLinking}?format=car`,
      `/ipfs/${f.asDagPbLinking}?format=car&dag-scope=entity`,
      `/ipfs/${f.file}?format=car`,
      `/ipfs/${f.dir}/report.json?format=car`,
      `/ipfs/${f.leaves[0]!}?format=raw`,
    ])
      await ask(path)
    // What a pinned block's bytes link to is not fetched: the node reads nothing at all that way.
    expect(online).to.deep.equal([])
    // The control: catalogued content may be fetched.
    await ask(`/ipfs/${f.missing}?format=raw`)
    expect(online).to.include(f.missing)
  })

  /** A gateway on the same store with its own options, for one test. */
  async function withGateway(
    options: Record<string, number>,
    run: (at: string, port: number, other: Server) => Promise<void>,
  ): Promise<void> {
    const app = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      ipfs: { contentStore: store, ...options },
    })
    const other = app.listen(0, '127.0.0.1')
    await once(other, 'listening')
    const port = (other.address() as AddressInfo).port
    try {
      await run(`http://127.0.0.1:${port}`, port, other)
    } finally {
      other.closeAllConnections()
      other.close()
    }
  }

  it('ends a path search that reads more than maxIdleReads blocks with 413 DagWalkLimitError', async () => {
    await withGateway({ maxIdleReads: 2 }, async (at) => {
      const answer = await ask(`/ipfs/${f.hamt}/absent?format=car`, {}, at)
      expect(answer.status).to.equal(413)
      expect(errorBody(answer.body)).to.include({ name: 'DagWalkLimitError' })
      expect(errorBody(answer.body).message).to.match(/following the path read 2 blocks/)
    })
  })

  it('ends a walk that revisits more than maxIdleReads blocks with DagWalkLimitError, after what it sent', async () => {
    // A range over leaves 0 and 1, both the one leaf: it is read twice, sent once.
    const walk = (maxIdleReads: number): AsyncGenerator<DagBlock> =>
      store.selectBlocks(CID.parse(f.bomb), { scope: 'entity', range: { offset: 8, length: 16 } }, { maxIdleReads, pinnedOnly: true })
    const sent: string[] = []
    for await (const block of walk(1)) sent.push(block.cid.toString())
    expect(sent).to.deep.equal(f.bombBlocks)
    const cut: string[] = []
    let failure: unknown
    try {
      for await (const block of walk(0)) cut.push(block.cid.toString())
    } catch (err) {
      failure = err
    }
    expect(failure).to.be.instanceOf(DagWalkLimitError)
    expect(cut).to.deep.equal(f.bombBlocks)
  })

  /**
   * Reads a CAR over a raw socket in bursts (`readMs` reading, `pauseMs` not), with `Connection:
   * close`: whether it arrived whole (the chunked body's last chunk) or the node dropped it.
   */
  async function readInBursts(port: number, path: string, readMs: number, pauseMs: number): Promise<'whole' | 'dropped'> {
    const socket = connect(port, '127.0.0.1')
    socket.on('error', () => undefined) // a dropped answer may end in a reset
    await once(socket, 'connect')
    let tail = ''
    socket.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString('latin1')).slice(-16)))
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
    const closed = once(socket, 'close')
    let open = true
    void closed.then(() => (open = false))
    while (open) {
      socket.pause()
      await new Promise((resolve) => setTimeout(resolve, pauseMs))
      socket.resume()
      await new Promise((resolve) => setTimeout(resolve, readMs))
    }
    return tail.endsWith('0\r\n\r\n') ? 'whole' : 'dropped'
  }

  it('drops a client that reads a CAR slower than minBytesPerSecond, though it never stalls for stallTimeoutMs', async function () {
    this.timeout(120_000)
    // Far more than loopback's socket buffers hold: the node waits for the client many times.
    const large = (await store.putBytes(randomBytes(32 * LEAF))).toString()
    // Reads in bursts, never pausing as long as stallTimeoutMs: the stall rule alone kept it for ever.
    await withGateway({ stallTimeoutMs: 500, minBytesPerSecond: 1e12 }, async (_, port) => {
      expect(await readInBursts(port, `/ipfs/${large}?format=car`, 5, 100)).to.equal('dropped')
    })
    // The same client, with a rate it keeps up, gets the whole CAR.
    await withGateway({ stallTimeoutMs: 500, minBytesPerSecond: 1 }, async (_, port) => {
      expect(await readInBursts(port, `/ipfs/${large}?format=car`, 5, 100)).to.equal('whole')
    })
  })

  it('ends an answer at maxResponseMs however the client reads', async () => {
    const large = (await store.putBytes(randomBytes(12 * LEAF))).toString()
    // A client that reads nothing: only the answer's lifetime (not the 60 s stall) can end it.
    await withGateway({ maxResponseMs: 300, stallTimeoutMs: 60_000 }, async (_, port, other) => {
      const open = (): Promise<number> =>
        new Promise((resolve, reject) => other.getConnections((err, n) => (err ? reject(err) : resolve(n))))
      const socket = connect(port, '127.0.0.1')
      await once(socket, 'connect')
      socket.pause() // reads nothing
      socket.write(`GET /ipfs/${large}?format=car HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
      const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20))
      while ((await open()) === 0) await tick()
      while ((await open()) > 0) await tick()
      socket.destroy()
    })
  })
})
