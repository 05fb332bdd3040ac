import type { CodecLoader } from '@helia/interface'
import { CarBlockIterator } from '@ipld/car'
import type { Blockstore } from 'interface-blockstore'
import { createUnsafe } from 'multiformats/block'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { AssayError } from '../../core/index.js'
import { checkBlock } from '../../storage/index.js'
import { IncompleteCarError, MirrorTooLargeError } from './mirror-errors.js'

const RAW_CODE = 0x55

export interface ReceiveDagComponents {
  /** Where the DAG's blocks go once checked; a block held already is not written again. */
  blockstore: Pick<Blockstore, 'has' | 'put'>
  /** Codecs by multicodec code (Helia's `getCodec`), to read each block's links. */
  getCodec: CodecLoader
}

export interface ReceiveDagOptions {
  /** Most bytes of CAR taken before giving up with MirrorTooLargeError. */
  maxBytes: number
  /**
   * Blocks that arrive before the block linking to them (a CAR in no particular order) are held
   * back in memory, up to this many bytes; more is an IncompleteCarError. Default 32 MiB.
   */
  maxPendingBytes?: number
  /**
   * Called with the root block once it is checked against its CID, before it or anything below it
   * is written: what it throws ends the receipt (e.g. a root describing a larger file than allowed).
   */
  checkRoot?: (cid: CID, bytes: Uint8Array) => void | Promise<void>
  signal?: AbortSignal
}

export interface ReceivedDag {
  /** Blocks of the DAG received (each checked against its CID). */
  blocks: number
  /** Bytes of CAR read. */
  bytes: number
  /** Blocks written (the others were held already). */
  written: number
}

/** A key for a block whatever its CID's version (a v0 link and a v1 CID name the same block). */
const keyOf = (cid: CID): string => cid.toV1().toString()

async function* bounded(
  car: AsyncIterable<Uint8Array>,
  root: CID,
  maxBytes: number,
  count: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  let total = 0
  for await (const chunk of car) {
    total += chunk.length
    if (total > maxBytes) throw new MirrorTooLargeError(root.toString(), maxBytes)
    count(total)
    yield chunk
  }
}

/**
 * Takes the DAG under `root` from an untrusted CAR: every block is checked against its CID before
 * anything else is done with it, and only blocks reachable from `root` are written (anything else
 * the CAR carries is dropped), so a source can make the node store nothing but the DAG it was asked
 * for, and at most `maxBytes` of it. Ends only once every block of the DAG is held (received now
 * or before).
 *
 * @throws {ContentCorruptedError} a block does not hash to its CID (nothing after it is read)
 * @throws {IncompleteCarError} the CAR ends with blocks of the DAG missing, or is no CAR
 * @throws {MirrorTooLargeError} the CAR is larger than `maxBytes`
 * @throws what `checkRoot` throws
 */
export async function receiveDag(
  car: AsyncIterable<Uint8Array>,
  root: CID,
  components: ReceiveDagComponents,
  options: ReceiveDagOptions,
): Promise<ReceivedDag> {
  const maxPending = options.maxPendingBytes ?? 32 * 1024 * 1024
  const received: ReceivedDag = { blocks: 0, bytes: 0, written: 0 }
  const rootKey = keyOf(root)
  const wanted = new Set<string>(root.multihash.code === identity.code ? [] : [rootKey])
  const done = new Set<string>()
  // Checked blocks nothing links to yet, by key.
  const pending = new Map<string, { cid: CID; bytes: Uint8Array }>()
  let pendingBytes = 0

  const linksOf = async (cid: CID, bytes: Uint8Array): Promise<CID[]> => {
    if (cid.code === RAW_CODE) return []
    const block = createUnsafe({ cid, bytes, codec: await components.getCodec(cid.code) })
    return [...block.links()].map(([, link]) => CID.decode(link.bytes))
  }

  /** Keeps a wanted block, then everything held back that it links to. */
  const keep = async (first: { cid: CID; bytes: Uint8Array }): Promise<void> => {
    const queue = [first]
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      const key = keyOf(next.cid)
      wanted.delete(key)
      if (done.has(key)) continue
      done.add(key)
      if (key === rootKey) await options.checkRoot?.(next.cid, next.bytes)
      received.blocks++
      if (!(await components.blockstore.has(next.cid, { signal: options.signal }))) {
        await components.blockstore.put(next.cid, next.bytes, { signal: options.signal })
        received.written++
      }
      for (const link of await linksOf(next.cid, next.bytes)) {
        if (link.multihash.code === identity.code) continue // the bytes are in the CID itself
        const linked = keyOf(link)
        if (done.has(linked)) continue
        const held = pending.get(linked)
        if (held === undefined) {
          wanted.add(linked)
          continue
        }
        pending.delete(linked)
        pendingBytes -= held.bytes.length
        queue.push(held)
      }
    }
  }

  const source = bounded(car, root, options.maxBytes, (n) => (received.bytes = n))
  try {
    for await (const block of await CarBlockIterator.fromIterable(source)) {
      options.signal?.throwIfAborted()
      const cid = CID.decode(block.cid.bytes)
      await checkBlock(cid, block.bytes)
      const key = keyOf(cid)
      if (wanted.has(key)) await keep({ cid, bytes: block.bytes })
      else if (!done.has(key) && !pending.has(key)) {
        pendingBytes += block.bytes.length
        if (pendingBytes > maxPending)
          throw new IncompleteCarError(root.toString(), `more than ${maxPending} bytes of blocks arrived before any block linking to them`)
        pending.set(key, { cid, bytes: block.bytes })
      }
    }
  } catch (err) {
    // Our own refusals, an abort, and the source's errors pass as they are; what is left is
    // @ipld/car refusing the bytes (not a CAR, cut short mid-block).
    const name = (err as { name?: unknown } | undefined)?.name
    if (err instanceof AssayError || name === 'AbortError' || name === 'TimeoutError') throw err
    throw new IncompleteCarError(root.toString(), `unreadable CAR (${(err as Error).message})`, { cause: err })
  } finally {
    // @ipld/car does not close what it reads from when its reader stops early (a refused block):
    // closing it lets the source stop sending (a gateway's answer is cancelled).
    void source.return(undefined).catch(() => undefined)
  }
  if (wanted.size > 0) {
    const missing = [...wanted]
    throw new IncompleteCarError(root.toString(), `${missing.length} block(s) missing, e.g. ${missing[0]}`)
  }
  return received
}
