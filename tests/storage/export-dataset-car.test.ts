import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarBlockIterator, CarReader } from '@ipld/car'
import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { datasetCids, parseManifest, type Manifest } from '../../core/index.js'
import {
  carV1Block,
  carV1Header,
  checkBlock,
  createDagVerifier,
  exportDatasetCar,
  generateDataKey,
  readCarFile,
  type ContentStore,
  type DatasetCarSource,
  type EmbeddedHelia,
} from '../../storage/index.js'
import { computePieceCid, createContentStore, createEmbeddedHelia } from '../../storage/node.js'
import { collect, pieces, pseudoRandomBytes } from '../helpers/bytes.js'
import { caught } from '../helpers/errors.js'
import { sampleManifest } from '../helpers/manifest.js'

/** A CAR stream of `blocks` under `root`, as a source would send it. */
async function* carOf(root: CID, blocks: Array<{ cid: CID; bytes: Uint8Array }>): AsyncGenerator<Uint8Array> {
  await Promise.resolve()
  yield carV1Header([root])
  for (const b of blocks) yield* carV1Block(b.cid, b.bytes)
}

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve()
  yield bytes
}

async function blocksOf(car: AsyncIterable<Uint8Array>): Promise<Array<{ cid: CID; bytes: Uint8Array }>> {
  const out: Array<{ cid: CID; bytes: Uint8Array }> = []
  for await (const b of await CarBlockIterator.fromIterable(car)) out.push({ cid: CID.decode(b.cid.bytes), bytes: b.bytes })
  return out
}

describe('exportDatasetCar', function () {
  this.timeout(60_000)
  let dir: string
  let helia: EmbeddedHelia
  let store: ContentStore
  let manifest: Manifest
  let manifestCid: CID
  const source = (): DatasetCarSource => ({ car: (cid) => store.exportCar(cid) })

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'assay-export-'))
    helia = await createEmbeddedHelia({ dataDir: dir })
    store = createContentStore({ helia: helia.helia })
    // A dataset as a node stores it: a ciphertext of several leaves, JSON objects, a preview.
    const added = await store.addStream(pieces(pseudoRandomBytes(3 * 1024 * 1024 + 99, 5), 65_536), generateDataKey())
    const bundle = await store.putJson({ batches: [1, 2, 3] })
    const report = await store.putJson({ score: 91.5 })
    const preview = await store.putBytes(pseudoRandomBytes(2000, 9))
    manifestCid = await store.putManifest(
      sampleManifest({
        content: { ciphertextCid: added.cid.toString(), plaintextSha256: 'ab'.repeat(32), bytes: 3 * 1024 * 1024 + 99, rows: 10 },
        proofs: { circuitId: 'sensor-stats-b16-v2', vkeyHash: 'cd'.repeat(32), bundleCid: bundle.toString() },
        quality: { score: 91.5, reportCid: report.toString() },
        previewCid: preview.toString(),
      }),
    )
    manifest = await store.getManifest(manifestCid)
  })
  after(async () => {
    await helia?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('writes one CARv1 rooted at the manifest holding every block of the manifest and what it names, each once', async () => {
    const car = exportDatasetCar(manifestCid, manifest, source())
    const bytes = await collect(car)
    const reader = await CarReader.fromBytes(bytes)
    expect((await reader.getRoots()).map(String)).to.deep.equal([manifestCid.toString()])
    expect(car.dags.map(String)).to.deep.equal([manifestCid.toString(), ...datasetCids(manifest)])
    const blocks = await blocksOf(once(bytes))
    expect(blocks.length).to.equal(car.blocks)
    expect(new Set(blocks.map((b) => b.cid.toString())).size, 'no block twice').to.equal(blocks.length)
    // Every block re-read and checked, every DAG complete from the CAR alone.
    for (const b of blocks) await checkBlock(b.cid, b.bytes)
    for (const root of car.dags) {
      const verifier = createDagVerifier(root)
      for (const b of blocks) {
        try {
          await verifier.add(b.cid, b.bytes)
        } catch {
          // Another DAG's block.
        }
      }
      verifier.end()
    }
    // The stored bytes come back: the manifest, the ciphertext (several leaves), the preview.
    expect(parseManifest(JSON.parse(new TextDecoder().decode(await reader.get(manifestCid).then((b) => b!.bytes))))).to.deep.equal(manifest)
    const ciphertext = CID.parse(manifest.content.ciphertextCid)
    expect(await collect(readCarFile(once(bytes), ciphertext))).to.deep.equal(await collect(store.catRaw(ciphertext)))
    expect(blocks.length).to.be.greaterThan(datasetCids(manifest).length + 1)
  })

  it('gives the same CAR, and so the same piece CID, every time', async () => {
    const a = await computePieceCid(exportDatasetCar(manifestCid, manifest, source()))
    const b = await computePieceCid(exportDatasetCar(manifestCid, manifest, source()))
    expect(a).to.deep.equal(b)
    expect(a.pieceCid).to.match(/^baga6ea4seaq/)
    expect(a.pieceSize).to.equal(2 ** Math.ceil(Math.log2(Math.ceil((a.payloadSize * 128) / 127))))
  })

  it('refuses a forged block from the source by name, naming the block', async () => {
    const ciphertext = CID.parse(manifest.content.ciphertextCid)
    const forged: DatasetCarSource = {
      async *car(cid) {
        const blocks = await blocksOf(store.exportCar(cid))
        if (cid.equals(ciphertext)) {
          const leaf = blocks[blocks.length - 1]!
          const bytes = new Uint8Array(leaf.bytes)
          bytes[10]! ^= 0xff
          blocks[blocks.length - 1] = { cid: leaf.cid, bytes }
        }
        yield* carOf(cid, blocks)
      },
    }
    const written: Uint8Array[] = []
    const err = await caught(async () => {
      for await (const chunk of exportDatasetCar(manifestCid, manifest, forged)) written.push(chunk)
    })
    const leaf = (await blocksOf(store.exportCar(ciphertext))).at(-1)!
    expect([err.name, (err as Error & { cid?: string }).cid]).to.deep.equal(['ContentCorruptedError', leaf.cid.toString()])
    expect(err.message).to.match(/do not match the CID/)
    // Nothing of the forged block was passed on.
    expect(Buffer.concat(written).includes(Buffer.from(leaf.bytes.subarray(0, 64)))).to.equal(false)
  })

  it('refuses a block the DAG does not reach, and a DAG with a block missing', async () => {
    const stranger = new TextEncoder().encode('not part of this dataset')
    const strangerCid = CID.createV1(raw.code, await sha256.digest(stranger))
    const foreign: DatasetCarSource = {
      async *car(cid) {
        yield* carOf(cid, [{ cid: strangerCid, bytes: stranger }, ...(await blocksOf(store.exportCar(cid)))])
      },
    }
    const extra = await caught(() => collect(exportDatasetCar(manifestCid, manifest, foreign)))
    expect([extra.name, (extra as Error & { cid?: string }).cid]).to.deep.equal(['ContentCorruptedError', strangerCid.toString()])

    const ciphertext = CID.parse(manifest.content.ciphertextCid)
    const short: DatasetCarSource = {
      async *car(cid) {
        const blocks = await blocksOf(store.exportCar(cid))
        yield* carOf(cid, cid.equals(ciphertext) ? blocks.slice(0, -1) : blocks)
      },
    }
    const missing = await caught(() => collect(exportDatasetCar(manifestCid, manifest, short)))
    expect([missing.name, (missing as Error & { cid?: string }).cid]).to.deep.equal(['ContentCorruptedError', ciphertext.toString()])
    expect(missing.message).to.match(/1 block\(s\) of the DAG never came/)
  })

  it('names bytes that are not a CAR', async () => {
    const garbage: DatasetCarSource = { car: () => once(new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02])) }
    const err = await caught(() => collect(exportDatasetCar(manifestCid, manifest, garbage)))
    expect([err.name, (err as Error & { cid?: string }).cid]).to.deep.equal(['ContentCorruptedError', manifestCid.toString()])
    expect(err.message).to.match(/: the CAR does not parse: /)
  })
})
