import { CarBlockIterator } from '@ipld/car'
import type { Blockstore } from 'interface-blockstore'
import { NotFoundError } from 'interface-store'
import { CID } from 'multiformats/cid'
import { checkBlock } from './check-block.js'
import { ContentCorruptedError } from './errors.js'
import { readUnixfsFile } from './read-unixfs-file.js'

type BlockSink = Pick<Blockstore, 'get' | 'put'>

/** Blocks kept in memory: enough for the file sizes a browser handles. */
function memoryBlocks(): BlockSink {
  const blocks = new Map<string, Uint8Array>()
  return {
    put(cid: CID, bytes: Uint8Array) {
      blocks.set(cid.toString(), bytes)
      return Promise.resolve(cid)
    },
    get(cid: CID) {
      const bytes = blocks.get(cid.toString())
      if (bytes === undefined) throw new NotFoundError(`block ${cid.toString()} not in the CAR`)
      return (function* () {
        yield bytes
      })()
    },
  }
}

/**
 * Reads a UnixFS file out of a CAR from an untrusted source (a gateway, another node): every
 * block is checked against its CID before it is kept, then the file is streamed from `root`.
 * Blocks wait in `blockstore` (in memory by default; the Node reader passes one on disk). A
 * missing block fails with ContentCorruptedError naming the file. Browser-safe.
 */
export async function* readCarFile(
  car: AsyncIterable<Uint8Array>,
  root: CID,
  options: { blockstore?: BlockSink } = {},
): AsyncGenerator<Uint8Array> {
  const blockstore = options.blockstore ?? memoryBlocks()
  const iterator = await CarBlockIterator.fromIterable(car)
  for await (const block of iterator) {
    const cid = CID.decode(block.cid.bytes)
    await checkBlock(cid, block.bytes)
    await blockstore.put(cid, block.bytes)
  }
  try {
    yield* readUnixfsFile(blockstore, root)
  } catch (err) {
    if ((err as Error).name === 'NotFoundError')
      throw new ContentCorruptedError(root.toString(), `the CAR lacks blocks of the file (${(err as Error).message})`)
    throw err
  }
}
