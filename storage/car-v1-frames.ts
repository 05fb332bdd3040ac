import { createWriter, headerLength } from '@ipld/car/buffer-writer'
import { varint } from 'multiformats'
import type { CID } from 'multiformats/cid'

/** The header of a CARv1 stream naming `roots`: its first bytes. Browser-safe. */
export function carV1Header(roots: CID[]): Uint8Array {
  return createWriter(new ArrayBuffer(headerLength({ roots })), { roots }).close()
}

/**
 * One block of a CARv1 stream as two pieces, its length and CID, then its bytes (not copied), so a
 * CAR is written a block at a time as blocks are read, never held whole. Browser-safe.
 */
export function carV1Block(cid: CID, bytes: Uint8Array): [Uint8Array, Uint8Array] {
  const size = cid.bytes.length + bytes.length
  const prefix = new Uint8Array(varint.encodingLength(size) + cid.bytes.length)
  varint.encodeTo(size, prefix, 0)
  prefix.set(cid.bytes, prefix.length - cid.bytes.length)
  return [prefix, bytes]
}
