import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Server } from 'node:http'
import { unixfs } from '@helia/unixfs'
import { CarBlockIterator } from '@ipld/car'
import { decode as decodeDagPb } from '@ipld/dag-pb'
import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { createApp } from '../../server/index.js'
import { checkBlock, type ContentStore, type EmbeddedHelia } from '../../storage/index.js'
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
}

interface Answer {
  status: number
  headers: Headers
  body: Uint8Array
}

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
    const app = createApp({
      auth: testAuth(),
      checkHealth: () => Promise.resolve({ ok: true, services: {} }),
      ipfs: { contentStore: store, catalogued: (cid) => cid === f.missing, blockTimeoutMs: 300 },
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

  async function ask(path: string, init: RequestInit = {}): Promise<Answer> {
    const res = await fetch(base + path, init)
    return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) }
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
  ]

  for (const row of rows) {
    it(row.it, async () => {
      const headers = typeof row.headers === 'function' ? row.headers(f) : (row.headers ?? {})
      const answer = await ask(row.path(f), { method: row.method ?? 'GET', headers })
      const detail = `${row.method ?? 'GET'} ${row.path(f)}: ${new TextDecoder().decode(answer.body.subarray(0, 300))}`
      expect(answer.status, detail).to.equal(row.status)
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
})
