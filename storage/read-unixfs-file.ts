import { decode as decodeDagPb, code as DAG_PB_CODE } from '@ipld/dag-pb'
import type { Blockstore } from 'interface-blockstore'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { ContentCorruptedError } from './errors.js'
import { getBlockBytes } from './block-bytes.js'

const RAW_CODE = 0x55

export interface ReadFileOptions {
  signal?: AbortSignal
  /** Leaves fetched ahead of the consumer. Default 4 (about 4 MiB of 1 MiB leaves). */
  prefetch?: number
}

/** Leaf CIDs of a UnixFS file in byte order, loading only the intermediate dag-pb nodes. */
async function* leaves(blockstore: Pick<Blockstore, 'get'>, root: CID, signal?: AbortSignal): AsyncGenerator<CID | Uint8Array> {
  const stack: Array<CID | Uint8Array> = [root]
  while (stack.length > 0) {
    const next = stack.pop()!
    if (next instanceof Uint8Array || next.code === RAW_CODE) {
      yield next
      continue
    }
    if (next.code !== DAG_PB_CODE)
      throw new ContentCorruptedError(next.toString(), `not a UnixFS file block (codec 0x${next.code.toString(16)})`)
    const node = decodeDagPb(await getBlockBytes(blockstore, next, { signal }))
    if (node.Data === undefined) throw new ContentCorruptedError(next.toString(), 'dag-pb node without UnixFS data')
    const unixfs = UnixFS.unmarshal(node.Data)
    if (unixfs.type !== 'file' && unixfs.type !== 'raw')
      throw new ContentCorruptedError(next.toString(), `not a file (UnixFS type ${unixfs.type})`)
    // Push children in reverse so they pop in order; inline data (non-raw-leaf files) comes first.
    for (let i = node.Links.length - 1; i >= 0; i--) stack.push(CID.asCID(node.Links[i]!.Hash) ?? CID.decode(node.Links[i]!.Hash.bytes))
    if (unixfs.data !== undefined && unixfs.data.length > 0) stack.push(unixfs.data)
  }
}

/**
 * Streams a UnixFS file in order with a bounded prefetch window, so memory stays at a few
 * blocks however large the file (the stock exporter reads a whole DAG layer ahead without
 * backpressure). Blocks come from `blockstore` as they are, so pass a verifying one.
 */
export async function* readUnixfsFile(
  blockstore: Pick<Blockstore, 'get'>,
  root: CID,
  options: ReadFileOptions = {},
): AsyncGenerator<Uint8Array> {
  const prefetch = Math.max(1, options.prefetch ?? 4)
  const window: Array<Promise<Uint8Array>> = []
  const fetchLeaf = (leaf: CID | Uint8Array): Promise<Uint8Array> => {
    const p = leaf instanceof Uint8Array ? Promise.resolve(leaf) : getBlockBytes(blockstore, leaf, { signal: options.signal })
    p.catch(() => {}) // awaited in order below; avoid an unhandled rejection meanwhile
    return p
  }
  for await (const leaf of leaves(blockstore, root, options.signal)) {
    window.push(fetchLeaf(leaf))
    if (window.length >= prefetch) yield await window.shift()!
  }
  while (window.length > 0) yield await window.shift()!
}
