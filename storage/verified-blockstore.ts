import type { Blockstore } from 'interface-blockstore'
import { getBlockBytes } from './block-bytes.js'
import { checkBlock } from './check-block.js'

type ReadableBlockstore = Pick<Blockstore, 'get' | 'put' | 'has'>

/**
 * Wraps a blockstore so every block read is checked against its CID before any byte of it is
 * released. Helia checks blocks from the network but not those read back from its own disk;
 * content served by Assay is verified either way.
 */
export function createVerifiedBlockstore(inner: ReadableBlockstore): ReadableBlockstore {
  return {
    put: (cid, bytes, options) => inner.put(cid, bytes, options),
    has: (cid, options) => inner.has(cid, options),
    async *get(cid, options) {
      const bytes = await getBlockBytes(inner, cid, options)
      await checkBlock(cid, bytes)
      yield bytes
    },
  }
}
