import { CarWriter } from '@ipld/car'
import { expect } from 'chai'
import type { CID } from 'multiformats/cid'
import { concatBytes, readCarFile } from '../../storage/index.js'
import { collect, pseudoRandomBytes } from '../helpers/bytes.js'
import { dedupBomb, fileNode, rawBlock, type Block } from '../helpers/dedup-bomb.js'
import { caught } from '../helpers/errors.js'

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

async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  await Promise.resolve()
  yield bytes
}

/** An in-memory blockstore remembering what was put in it. */
function spyBlocks() {
  const blocks = new Map<string, Uint8Array>()
  return {
    put: (cid: CID, bytes: Uint8Array) => {
      blocks.set(cid.toString(), bytes)
      return Promise.resolve(cid)
    },
    *get(cid: CID) {
      const bytes = blocks.get(cid.toString())
      if (bytes === undefined) throw Object.assign(new Error(`no ${cid.toString()}`), { name: 'NotFoundError' })
      yield bytes
    },
    keys: () => [...blocks.keys()].sort(),
  }
}

describe('readCarFile (a file out of an untrusted CAR)', () => {
  let leaves: Block[]
  let root: Block
  let file: Uint8Array
  before(async () => {
    leaves = [await rawBlock(pseudoRandomBytes(1000, 1)), await rawBlock(pseudoRandomBytes(500, 2))]
    root = await fileNode(
      leaves.map((l) => l.cid),
      [1000, 500],
    )
    file = concatBytes(leaves.map((l) => l.bytes))
  })

  it('keeps only the blocks of the file, whatever else the CAR carries and in whatever order', async () => {
    const foreign = [await rawBlock(pseudoRandomBytes(3000, 3)), await rawBlock(pseudoRandomBytes(3000, 4))]
    const blocks = spyBlocks()
    // A leaf before the root linking to it, and blocks of something else around them.
    const car = carOf(root.cid, [foreign[0]!, leaves[1]!, root, foreign[1]!, leaves[0]!])
    expect(await collect(readCarFile(car, root.cid, { blockstore: blocks }))).to.deep.equal(file)
    expect(blocks.keys()).to.deep.equal([root, ...leaves].map((b) => b.cid.toString()).sort())
    // Held back in memory at most maxPendingBytes: the oldest go first.
    const tight = spyBlocks()
    const crowded = carOf(root.cid, [leaves[1]!, ...foreign, root, leaves[0]!])
    const err = await caught(() => collect(readCarFile(crowded, root.cid, { blockstore: tight, maxPendingBytes: 4000 })))
    expect([err.name, err.message]).to.deep.equal([
      'ContentCorruptedError',
      `${root.cid.toString()}: the CAR lacks 1 block(s) of the file, e.g. ${leaves[1]!.cid.toString()}`,
    ])
  })

  it('refuses bytes that are no CAR, and a CAR lacking blocks of the file, as the provider’s fault', async () => {
    const html = await caught(() => collect(readCarFile(once(new TextEncoder().encode('<html>hello</html>')), root.cid)))
    expect(html.name).to.equal('ContentCorruptedError')
    expect(html.message.startsWith(`${root.cid.toString()}: the CAR does not parse: `), html.message).to.equal(true)
    const lacking = await caught(() => collect(readCarFile(carOf(root.cid, [root, leaves[0]!]), root.cid)))
    expect([lacking.name, lacking.message]).to.deep.equal([
      'ContentCorruptedError',
      `${root.cid.toString()}: the CAR lacks 1 block(s) of the file, e.g. ${leaves[1]!.cid.toString()}`,
    ])
  })

  it('takes at most maxBytes: a root describing more is refused before anything below it, a longer CAR cut off', async () => {
    const bomb = await dedupBomb(new Uint8Array(16).fill(7), 1000, 2)
    const blocks = spyBlocks()
    let closed = false
    async function* car(): AsyncGenerator<Uint8Array> {
      try {
        yield* carOf(bomb.root, bomb.blocks)
      } finally {
        closed = true
      }
    }
    const err = (await caught(() => collect(readCarFile(car(), bomb.root, { blockstore: blocks, maxBytes: 1500 })))) as Error & {
      limit?: number
    }
    expect([err.name, err.limit, err.message]).to.deep.equal([
      'ContentTooLargeError',
      1500,
      `${bomb.root.toString()}: describes a file of 16000000 bytes, more than the 1500 expected`,
    ])
    expect(blocks.keys()).to.deep.equal([])
    while (!closed) await new Promise((r) => setImmediate(r)) // the refused CAR is closed, its provider may stop
    // Within the bound: read. Padded past it (the bound, 1/64 of it and 1 MiB): cut off.
    expect(await collect(readCarFile(carOf(root.cid, [root, ...leaves]), root.cid, { maxBytes: 1500 }))).to.deep.equal(file)
    const padding = await rawBlock(pseudoRandomBytes(1024 * 1024 + 100, 5))
    const padded = await caught(() => collect(readCarFile(carOf(root.cid, [root, ...leaves, padding]), root.cid, { maxBytes: 1500 })))
    const limit = 1500 + Math.ceil(1500 / 64) + 1024 * 1024
    expect([padded.name, padded.message]).to.deep.equal([
      'ContentTooLargeError',
      `${root.cid.toString()}: the CAR is larger than the ${limit} bytes it may take`,
    ])
  })
})
