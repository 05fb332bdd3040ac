import { CarBlockIterator } from '@ipld/car'
import type { Blockstore } from 'interface-blockstore'
import { NotFoundError } from 'interface-store'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { ContentCorruptedError } from './errors.js'
import { readUnixfsFile } from './read-unixfs-file.js'

type BlockSink = Pick<Blockstore, 'get' | 'put'>

/** Checks a block against its CID's multihash (sha2-256 or identity). Browser-safe. */
export async function checkBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  const { code, digest } = cid.multihash
  let actual: Uint8Array
  if (code === sha256.code) actual = (await sha256.digest(bytes)).digest
  else if (code === identity.code) actual = bytes
  else throw new ContentCorruptedError(cid.toString(), `cannot verify multihash code 0x${code.toString(16)}`)
  if (actual.length !== digest.length || actual.some((b, i) => b !== digest[i]))
    throw new ContentCorruptedError(cid.toString(), 'block bytes do not match the CID')
}

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
