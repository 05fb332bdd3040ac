import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

export interface Block {
  cid: CID
  bytes: Uint8Array
}

/** A raw block of `bytes`. */
export async function rawBlock(bytes: Uint8Array): Promise<Block> {
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** A dag-pb block of UnixFS `data` and `links`. */
export async function pbBlock(data: UnixFS, links: dagPb.PBLink[]): Promise<Block> {
  const bytes = dagPb.encode({ Data: data.marshal(), Links: links })
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes }
}

/** A UnixFS file node whose links go to `children` in turn, `sizes[i]` bytes each, as it says. */
export async function fileNode(children: CID[], sizes: number[]): Promise<Block> {
  const node = new UnixFS({ type: 'file' })
  for (const size of sizes) node.addBlockSize(BigInt(size))
  return pbBlock(
    node,
    children.map((Hash, i) => ({ Hash, Tsize: sizes[i]! })),
  )
}

/**
 * A "dedup bomb": genuine, CID-correct blocks — one leaf, then `levels` file nodes each linking
 * `fanout` times to the one below — describing a file of `leaf.length * fanout ** levels` bytes.
 * Blocks root first.
 */
export async function dedupBomb(leaf: Uint8Array, fanout: number, levels: number): Promise<{ root: CID; blocks: Block[]; size: number }> {
  const blocks = [await rawBlock(leaf)]
  let size = leaf.length
  for (let level = 0; level < levels; level++) {
    blocks.unshift(await fileNode(new Array<CID>(fanout).fill(blocks[0]!.cid), new Array<number>(fanout).fill(size)))
    size *= fanout
  }
  return { root: blocks[0]!.cid, blocks, size }
}
