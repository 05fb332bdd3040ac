import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from 'chai'
import { generateDataKey, HEADER_BYTES, type EmbeddedHelia } from '../../storage/index.js'
import { createContentStore, createEmbeddedHelia, encryptEnvelope } from '../../storage/node.js'
import { sealEnvelopeLeaves, type SealedLeaf, type SealSummary } from '../../storage/seal-envelope-leaves.js'
import { startSealWorkerRing, type SealWorkerRing } from '../../storage/seal-worker-ring.js'
import { collect, pieces, pseudoRandomBytes, sha256 } from '../helpers/bytes.js'
import { caught } from '../helpers/errors.js'

const key = generateDataKey()
const noncePrefix = new Uint8Array([0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7])
const MiB = 1024 * 1024

/** Every leaf of a sealing, and what it returned. */
async function drain(sealing: AsyncGenerator<SealedLeaf, SealSummary>): Promise<{ leaves: SealedLeaf[]; summary: SealSummary }> {
  const leaves: SealedLeaf[] = []
  for (let next = await sealing.next(); ; next = await sealing.next()) {
    if (next.done === true) return { leaves, summary: next.value }
    leaves.push(next.value)
  }
}

function leavesOf(
  plain: Uint8Array,
  ring: SealWorkerRing,
  options: { chunkSize?: number; leafSize: number; jobBytes?: number },
): Promise<{ leaves: SealedLeaf[]; summary: SealSummary }> {
  return drain(sealEnvelopeLeaves(pieces(plain, 100_000), key, { ...options, noncePrefix, ring }))
}

describe('sealing an envelope on worker threads', function () {
  this.timeout(120_000)
  const rings: SealWorkerRing[] = []
  const ring = (size: number): SealWorkerRing => {
    const r = startSealWorkerRing({ size })
    rings.push(r)
    return r
  }
  afterEach(async () => {
    for (const r of rings.splice(0)) await r.close()
  })

  // Sizes around chunk and leaf boundaries; jobs with no full leaf (tiny chunks, small jobs) and
  // jobs with several; one and two workers.
  const cases = [
    { name: 'empty plaintext', bytes: 0, chunkSize: 1024, leafSize: 1000 },
    { name: 'one byte', bytes: 1, chunkSize: 1024, leafSize: 1000 },
    { name: 'one chunk exactly', bytes: 4096, chunkSize: 4096, leafSize: 1000 },
    { name: '64-byte chunks, jobs smaller than a leaf', bytes: 20_000, chunkSize: 64, leafSize: 1000, jobBytes: 256 },
    { name: 'envelope an exact number of leaves', bytes: 1000 - HEADER_BYTES - 16, chunkSize: 4096, leafSize: 500 },
    { name: '5 MiB + 123, default chunks and 1 MiB leaves', bytes: 5 * MiB + 123, chunkSize: MiB, leafSize: MiB },
    { name: '3 MiB chunks (several leaves per job)', bytes: 7 * MiB + 5, chunkSize: 3 * MiB, leafSize: MiB },
  ]
  for (const c of cases) {
    for (const workers of [1, 2]) {
      it(`yields the envelope encryptEnvelope makes, cut into leaves with their digests: ${c.name}, ${workers} worker(s)`, async () => {
        const plain = pseudoRandomBytes(c.bytes, c.bytes + 7)
        const expected = await collect(encryptEnvelope(pieces(plain, 65_536), key, { chunkSize: c.chunkSize, noncePrefix }))
        const { leaves, summary } = await leavesOf(plain, ring(workers), c)
        expect(sha256(Buffer.concat(leaves.map((l) => l.bytes)))).to.equal(sha256(expected))
        // The plaintext digest: from the worker with one, from the main thread with two.
        expect({ bytes: summary.plaintextBytes, sha256: Buffer.from(summary.plaintextSha256).toString('hex') }).to.deep.equal({
          bytes: plain.length,
          sha256: sha256(plain),
        })
        leaves.forEach((leaf, i) => {
          expect(leaf.bytes.length, `leaf ${i}`).to.equal(Math.min(c.leafSize, expected.length - i * c.leafSize))
          expect(Buffer.from(leaf.digest).toString('hex'), `leaf ${i}`).to.equal(createHash('sha256').update(leaf.bytes).digest('hex'))
        })
        expect(leaves.length).to.equal(Math.ceil(expected.length / c.leafSize))
      })
    }
  }

  it('reads the source only a bounded number of jobs ahead of the consumer', async () => {
    const jobBytes = 64 * 1024
    let pulled = 0
    function* source(): Generator<Uint8Array> {
      for (let i = 0; i < 200; i++) {
        pulled += 16 * 1024
        yield pseudoRandomBytes(16 * 1024, i + 1)
      }
    }
    const leaves = sealEnvelopeLeaves(source(), key, { ring: ring(2), chunkSize: 16 * 1024, leafSize: jobBytes, jobBytes, maxInFlight: 3 })
    await leaves.next()
    await new Promise((resolve) => setTimeout(resolve, 300))
    // maxInFlight jobs out, one being read, one source piece held by the reader.
    expect(pulled).to.be.at.most(5 * jobBytes + 16 * 1024)
    await leaves.return(undefined as unknown as SealSummary)
  })

  it('refuses a bad key or chunk size with named errors before sealing anything', async () => {
    const r = ring(1)
    const badKey = await caught(() => drain(sealEnvelopeLeaves([new Uint8Array(10)], new Uint8Array(16), { ring: r, leafSize: MiB })))
    expect(badKey.name).to.equal('InvalidDataKeyError')
    const badChunk = await caught(() => drain(sealEnvelopeLeaves([new Uint8Array(10)], key, { ring: r, leafSize: MiB, chunkSize: 10 })))
    expect(badChunk.name).to.equal('EnvelopeFormatError')
  })

  it('fails with a ServiceError naming the seal worker when a worker reports an error', async () => {
    const r = startSealWorkerRing({ size: 2, entry: new URL('./fixtures/seal-worker-reports-error.mjs', import.meta.url) })
    rings.push(r)
    const err = await caught(() => drain(sealEnvelopeLeaves([pseudoRandomBytes(3 * MiB, 5)], key, { ring: r, leafSize: MiB })))
    expect(err.name).to.equal('ServiceError')
    expect(err.message).to.match(/^seal-worker: job \d+: RangeError: no room/)
  })
})

describe('content store adds through the seal workers', function () {
  this.timeout(120_000)
  const dirs: string[] = []
  const nodes: EmbeddedHelia[] = []
  const plain = pseudoRandomBytes(6 * MiB + 99, 11)

  async function store(options: Parameters<typeof createContentStore>[1] = {}): Promise<ReturnType<typeof createContentStore>> {
    const dir = await mkdtemp(join(tmpdir(), 'assay-seal-'))
    dirs.push(dir)
    const n = await createEmbeddedHelia({ dataDir: dir })
    nodes.push(n)
    return createContentStore({ helia: n.helia }, options)
  }
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop()
  })
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('stores byte-identical envelopes under the same CIDs as the single-thread add', async () => {
    for (const bytes of [plain, plain.subarray(0, 2 * MiB + 1), plain.subarray(0, 4 * MiB)]) {
      for (const chunkSize of [MiB, 64 * 1024]) {
        const single = await (await store({ sealWorkers: 0 })).addStream(pieces(bytes, 70_000), key, { chunkSize, noncePrefix })
        for (const sealWorkers of [1, 2]) {
          const parallelStore = await store({ sealWorkers })
          const parallel = await parallelStore.addStream(pieces(bytes, 70_000), key, { chunkSize, noncePrefix })
          expect(parallel.cid.toString()).to.equal(single.cid.toString())
          expect(parallel.plaintext).to.deep.equal(single.plaintext)
          expect(parallel.ciphertext).to.deep.equal(single.ciphertext)
          expect(sha256(await collect(parallelStore.cat(parallel.cid, key)))).to.equal(sha256(bytes))
        }
      }
    }
  })

  it('does not detach or alter the caller’s buffers', async () => {
    const mine = new Uint8Array(plain)
    await (await store()).addStream([mine], key)
    expect(mine.byteLength).to.equal(plain.byteLength)
    expect(sha256(mine)).to.equal(sha256(plain))
  })

  for (const [fixture, expected] of [
    ['seal-worker-exits.mjs', /^seal-worker: worker \d exited with code 3/],
    ['seal-worker-reports-error.mjs', /^seal-worker: job \d+: RangeError: no room/],
  ] as const) {
    it(`fails with a named error and pins nothing when a worker fails (${fixture})`, async () => {
      const s = await store({ sealWorkerEntry: new URL(`./fixtures/${fixture}`, import.meta.url) })
      const err = await caught(() => s.addStream(pieces(plain, 100_000), key, { label: 'doomed' }))
      expect(err.name).to.equal('ServiceError')
      expect(err.message).to.match(expected)
      expect(await s.list()).to.deep.equal([])
    })
  }

  it('passes a failing source’s error through and stops its workers', async () => {
    const s = await store()
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield await Promise.resolve(pseudoRandomBytes(3 * MiB, 3))
      throw new RangeError('disk gone')
    }
    const err = await caught(() => s.addStream(failing(), key))
    expect(err).to.be.instanceOf(RangeError)
    expect(await s.list()).to.deep.equal([])
  })
})
