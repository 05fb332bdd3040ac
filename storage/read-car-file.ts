import { code as DAG_PB_CODE, decode as decodeDagPb } from '@ipld/dag-pb'
import { CarBlockIterator } from '@ipld/car'
import type { Blockstore } from 'interface-blockstore'
import { NotFoundError } from 'interface-store'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { AssayError } from '../core/index.js'
import { checkBlock } from './check-block.js'
import { ContentTooLargeError } from './content-too-large-error.js'
import { ContentCorruptedError } from './errors.js'
import { readUnixfsFile } from './read-unixfs-file.js'

type BlockSink = Pick<Blockstore, 'get' | 'put'>

export interface ReadCarFileOptions {
  /** Where the file's blocks wait (default: in memory; the Node reader passes one on disk). */
  blockstore?: BlockSink
  /**
   * The most bytes of file the caller takes: a root describing a larger file is refused before
   * anything is read from it, and the CAR is cut off past this and its tree and framing (1/64 and
   * 1 MiB more), with ContentTooLargeError. Default: no bound.
   */
  maxBytes?: number
  /**
   * Blocks that arrive before the block linking to them (a CAR in no particular order, or blocks
   * of something else) wait in memory up to this many bytes; past it the oldest are dropped.
   * Default 32 MiB.
   */
  maxPendingBytes?: number
}

const MIB = 1024 * 1024
const RAW_CODE = 0x55

/** A key for a block whatever its CID's version (a v0 link and a v1 CID name the same block). */
const keyOf = (cid: CID): string => cid.toV1().toString()

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

/** A UnixFS block's links, and the file size it describes. @throws {ContentCorruptedError} */
function readBlock(cid: CID, bytes: Uint8Array): { links: CID[]; size: bigint | undefined } {
  if (cid.code === RAW_CODE) return { links: [], size: BigInt(bytes.length) }
  if (cid.code !== DAG_PB_CODE)
    throw new ContentCorruptedError(cid.toString(), `codec 0x${cid.code.toString(16)} is not one a UnixFS file is made of (raw, dag-pb)`)
  try {
    const node = decodeDagPb(bytes)
    const links = node.Links.map((l) => CID.decode(l.Hash.bytes))
    return { links, size: node.Data === undefined ? undefined : UnixFS.unmarshal(node.Data).fileSize() }
  } catch (err) {
    throw new ContentCorruptedError(cid.toString(), `not a UnixFS block: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    })
  }
}

async function* bounded(car: AsyncIterable<Uint8Array>, root: CID, limit: number): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of car) {
    total += chunk.length
    if (total > limit) throw new ContentTooLargeError(root.toString(), limit, `the CAR is larger than the ${limit} bytes it may take`)
    yield chunk
  }
}

/**
 * Reads a UnixFS file out of a CAR from an untrusted source (a gateway, another node): every
 * block is checked against its CID, and only blocks of the file's DAG are kept (blocks of anything
 * else the CAR carries are dropped), then the file is streamed from `root`. Bytes that are no CAR
 * (an HTML page answered with 200) and a CAR lacking blocks of the file fail with
 * ContentCorruptedError naming the file, a failure of that provider. Browser-safe.
 *
 * @throws {ContentCorruptedError} a block does not hash to its CID, the CAR does not parse or lacks blocks
 * @throws {ContentTooLargeError} the file or the CAR is larger than `maxBytes` allows
 */
export async function* readCarFile(
  car: AsyncIterable<Uint8Array>,
  root: CID,
  options: ReadCarFileOptions = {},
): AsyncGenerator<Uint8Array> {
  const blockstore = options.blockstore ?? memoryBlocks()
  const maxPending = options.maxPendingBytes ?? 32 * MIB
  const { maxBytes } = options
  const rootKey = keyOf(root)
  const wanted = new Set<string>(root.multihash.code === identity.code ? [] : [rootKey])
  const kept = new Set<string>()
  // Checked blocks nothing kept links to yet, oldest first.
  const pending = new Map<string, { cid: CID; bytes: Uint8Array }>()
  let pendingBytes = 0

  /** Keeps a wanted block, then everything waiting that it links to. */
  const keep = async (first: { cid: CID; bytes: Uint8Array }): Promise<void> => {
    const queue = [first]
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const key = keyOf(next.cid)
      wanted.delete(key)
      if (kept.has(key)) continue
      kept.add(key)
      const { links, size } = readBlock(next.cid, next.bytes)
      if (key === rootKey && maxBytes !== undefined && size !== undefined && size > BigInt(maxBytes))
        throw new ContentTooLargeError(root.toString(), maxBytes, `describes a file of ${size} bytes, more than the ${maxBytes} expected`)
      await blockstore.put(next.cid, next.bytes)
      for (const link of links) {
        const linked = keyOf(link)
        if (link.multihash.code === identity.code || kept.has(linked)) continue
        const waiting = pending.get(linked)
        if (waiting === undefined) wanted.add(linked)
        else {
          pending.delete(linked)
          pendingBytes -= waiting.bytes.length
          queue.push(waiting)
        }
      }
    }
  }

  const source = bounded(car, root, maxBytes === undefined ? Infinity : maxBytes + Math.ceil(maxBytes / 64) + MIB)
  try {
    for await (const block of await CarBlockIterator.fromIterable(source)) {
      const cid = CID.decode(block.cid.bytes)
      await checkBlock(cid, block.bytes)
      const key = keyOf(cid)
      if (wanted.has(key)) await keep({ cid, bytes: block.bytes })
      else if (!kept.has(key) && !pending.has(key) && cid.multihash.code !== identity.code) {
        pending.set(key, { cid, bytes: block.bytes })
        pendingBytes += block.bytes.length
        for (const [oldest, waiting] of pending) {
          if (pendingBytes <= maxPending) break
          pending.delete(oldest)
          pendingBytes -= waiting.bytes.length
        }
      }
    }
  } catch (err) {
    // Our own refusals, the source's errors (a node gone: NodeUnreachableError) and an abort keep
    // their name; anything else is @ipld/car refusing the bytes.
    const name = (err as { name?: unknown } | undefined)?.name
    if (err instanceof AssayError || name === 'AbortError' || name === 'TimeoutError') throw err
    throw new ContentCorruptedError(root.toString(), `the CAR does not parse: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    })
  } finally {
    // @ipld/car does not close what it reads from when its reader stops early (a refused block):
    // closing it lets the provider stop sending (its answer is cancelled).
    void source.return(undefined).catch(() => undefined)
  }
  if (wanted.size > 0)
    throw new ContentCorruptedError(root.toString(), `the CAR lacks ${wanted.size} block(s) of the file, e.g. ${[...wanted][0]}`)
  try {
    yield* readUnixfsFile(blockstore, root)
  } catch (err) {
    if ((err as Error).name === 'NotFoundError')
      throw new ContentCorruptedError(root.toString(), `the CAR lacks blocks of the file (${(err as Error).message})`, { cause: err })
    throw err
  }
}
