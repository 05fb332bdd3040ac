import { code as DAG_PB_CODE, type PBLink } from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { decodeDagPbBlock, describeEntity, shardPrefixLength, unixfsOf, type DagEntity, type DagReader } from './dag-entity.js'
import { ContentCorruptedError, ContentNotFoundError } from './errors.js'

/** A block with its CID. */
export interface DagBlock {
  cid: CID
  bytes: Uint8Array
}

/** Where a content path (`/ipfs/{root}/a/b`) leads, and what was read to get there. */
export interface ResolvedDagPath {
  /** The root, then the CID each segment names (a gateway's X-Ipfs-Roots). */
  roots: CID[]
  /** The blocks that prove the path, root first: each directory, and the HAMT shards on the way. */
  blocks: DagBlock[]
  /** What the path ends at. */
  entity: DagEntity
}

// @ipld/dag-pb may carry its own copy of multiformats: take its CIDs as ours.
const cidOf = (link: PBLink): CID => CID.asCID(link.Hash) ?? CID.decode(link.Hash.bytes)

/**
 * Follows a UnixFS path from `root` through directories and HAMT-sharded directories. A HAMT is
 * searched shard by shard rather than by hashing the name: a directory this node serves is read
 * in full at worst, and the search needs no murmur3 hasher.
 * @throws {ContentNotFoundError} when a segment names nothing, or a block on the way is missing
 */
export async function resolveDagPath(
  reader: DagReader,
  root: CID,
  path: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<ResolvedDagPath> {
  const roots = [root]
  const blocks: DagBlock[] = []
  let cid = root
  let bytes = await reader.getBlock(cid, options)
  for (const name of path) {
    const next = await findEntry(reader, { cid, bytes }, name, blocks, options)
    if (next === undefined) throw new ContentNotFoundError(cid.toString(), `no entry named ${JSON.stringify(name)} in this directory`)
    cid = next
    roots.push(cid)
    bytes = await reader.getBlock(cid, options)
  }
  return { roots, blocks, entity: await describeEntity(reader, cid, bytes) }
}

async function findEntry(
  reader: DagReader,
  block: DagBlock,
  name: string,
  trail: DagBlock[],
  options: { signal?: AbortSignal },
): Promise<CID | undefined> {
  const notDirectory = (): ContentNotFoundError =>
    new ContentNotFoundError(block.cid.toString(), `no entry named ${JSON.stringify(name)}: this is not a UnixFS directory`)
  if (block.cid.code !== DAG_PB_CODE) throw notDirectory()
  const node = decodeDagPbBlock(block.cid, block.bytes)
  const unixfs = unixfsOf(node)
  if (unixfs?.type === 'directory') {
    trail.push(block)
    const link = node.Links.find((l) => l.Name === name)
    return link === undefined ? undefined : cidOf(link)
  }
  if (unixfs?.type !== 'hamt-sharded-directory') throw notDirectory()
  return findInShard(reader, block, name, trail, options)
}

/** Searches a HAMT shard and its sub-shards; `trail` ends with the shards that lead to the entry. */
async function findInShard(
  reader: DagReader,
  shard: DagBlock,
  name: string,
  trail: DagBlock[],
  options: { signal?: AbortSignal },
): Promise<CID | undefined> {
  const node = decodeDagPbBlock(shard.cid, shard.bytes)
  const unixfs = unixfsOf(node)
  if (unixfs?.type !== 'hamt-sharded-directory')
    throw new ContentCorruptedError(shard.cid.toString(), 'a HAMT-sharded directory links to a block that is not one of its shards')
  trail.push(shard)
  const prefix = shardPrefixLength(unixfs)
  // A link named by its slot alone is a sub-shard; slot + name is an entry.
  for (const link of node.Links) {
    const linkName = link.Name ?? ''
    if (linkName.length > prefix) {
      if (linkName.slice(prefix) === name) return cidOf(link)
      continue
    }
    const child = cidOf(link)
    const found = await findInShard(reader, { cid: child, bytes: await reader.getBlock(child, options) }, name, trail, options)
    if (found !== undefined) return found
  }
  trail.pop()
  return undefined
}
