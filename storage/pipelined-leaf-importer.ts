import type { AddOptions } from '@helia/unixfs'
import { CID } from 'multiformats/cid'
import { code as RAW_CODE } from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'

type BufferImporter = NonNullable<AddOptions['bufferImporter']>
/** What the importer expects of each leaf (its BufferImporterResult; raw leaves carry no UnixFS data). */
interface LeafResult {
  cid: CID
  size: bigint
  block: Uint8Array
}

export interface PipelinedLeafImporterOptions {
  /** Leaves hashed and written at once. */
  concurrency: number
  signal?: AbortSignal
  /**
   * The SHA-256 of a leaf when it is already known (the seal workers hash leaves as they make
   * them), so it is not hashed again on the main thread; undefined means hash it here.
   */
  knownDigest?: (block: Uint8Array) => Uint8Array | undefined
}

/**
 * The UnixFS importer's leaf step for raw leaves (CIDv1, sha2-256: the same CIDs as its default
 * one), pipelined: each leaf is hashed and its write started as soon as it arrives, up to
 * `concurrency` leaves in flight, results in order. The default importer collects a whole batch
 * of leaves, then waits for all of their writes before it reads the next leaf. Use it with
 * `blockWriteConcurrency: 1`: the window is here. (Hashing on WebCrypto, libuv's pool, was no
 * faster on two cores and raised the 1 GiB peak RSS by ~10 MB: its copies of each leaf.)
 */
export function pipelinedLeafImporter(options: PipelinedLeafImporterOptions): BufferImporter {
  const concurrency = Math.max(1, options.concurrency)
  return async function* importLeaves(file, blockstore) {
    const importLeaf = async (block: Uint8Array): Promise<LeafResult> => {
      const known = options.knownDigest?.(block)
      const cid = CID.createV1(RAW_CODE, known === undefined ? await sha256.digest(block) : createDigest(sha256.code, known))
      await blockstore.put(cid, block, { signal: options.signal })
      return { cid, size: BigInt(block.length), block }
    }
    const pending: Array<Promise<LeafResult>> = []
    for await (const block of file.content) {
      const leaf = importLeaf(block)
      leaf.catch(() => {}) // awaited in order by the importer; avoids an unhandled rejection meanwhile
      pending.push(leaf)
      if (pending.length >= concurrency) {
        const next = pending.shift()!
        yield () => next
      }
    }
    for (const leaf of pending) yield () => leaf
  }
}
