import { createHash } from 'node:crypto'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { getBlockBytes } from './block-bytes.js'
import { ContentCorruptedError } from './errors.js'

const SHA2_256 = 0x12
const IDENTITY = 0x00

/** Checks `bytes` against the multihash in `cid`. @throws {ContentCorruptedError} */
export function verifyBlock(cid: CID, bytes: Uint8Array): void {
  const { code, digest } = cid.multihash
  let actual: Uint8Array
  if (code === SHA2_256) actual = createHash('sha256').update(bytes).digest()
  else if (code === IDENTITY) actual = bytes
  else throw new ContentCorruptedError(cid.toString(), `cannot verify multihash code 0x${code.toString(16)}`)
  if (Buffer.compare(Buffer.from(actual), Buffer.from(digest)) !== 0) {
    throw new ContentCorruptedError(cid.toString(), 'block bytes do not match the CID')
  }
}

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
      verifyBlock(cid, bytes)
      yield bytes
    },
  }
}
