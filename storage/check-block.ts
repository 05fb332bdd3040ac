import type { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { ContentCorruptedError } from './errors.js'

/**
 * Checks a block against its CID's multihash (sha2-256 or identity). Browser-safe. SHA-256 runs
 * on WebCrypto: in Node that is libuv's thread pool, so blocks fetched ahead are checked in
 * parallel and off the main thread (multiformats' Node hasher is synchronous).
 * @throws {ContentCorruptedError}
 */
export async function checkBlock(cid: CID, bytes: Uint8Array): Promise<void> {
  const { code, digest } = cid.multihash
  let actual: Uint8Array
  if (code === sha256.code) actual = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  else if (code === identity.code) actual = bytes
  else throw new ContentCorruptedError(cid.toString(), `cannot verify multihash code 0x${code.toString(16)}`)
  if (actual.length !== digest.length || actual.some((b, i) => b !== digest[i]))
    throw new ContentCorruptedError(cid.toString(), 'block bytes do not match the CID')
}
