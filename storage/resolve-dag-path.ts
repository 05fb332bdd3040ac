import { code as DAG_PB_CODE, type PBLink } from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { decodeDagPbBlock, describeEntity, shardPrefixLength, unixfsOf, type DagEntity, type DagReader } from './dag-entity.js'
import { DagWalkLimitError } from './dag-walk-limit-error.js'
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
  /** What the path ends at (unless `describe: false`). */
  entity?: DagEntity
}

export interface ResolveDagPathOptions {
  /** Ends the reads, e.g. when the client has gone. */
  signal?: AbortSignal
  /**
   * Whether to decode the path's end to say what it is (`entity`). Default true; a `dag-scope=block`
   * answer sends the end as it is, whatever its codec, and need not.
   */
  describe?: boolean
  /**
   * Blocks one resolution may read before it fails with DagWalkLimitError: it sends nothing until
   * it is done, and a forged HAMT can send its search round and round. Default 10,000 (a HAMT
   * directory of millions of entries, searched in full).
   */
  maxIdleReads?: number
}

/** Counts a resolution's reads against its limit. */
interface Reads {
  root: CID
  left: number
  limit: number
}

// @ipld/dag-pb may carry its own copy of multiformats: take its CIDs as ours.
const cidOf = (link: PBLink): CID => CID.asCID(link.Hash) ?? CID.decode(link.Hash.bytes)

/**
 * Follows a UnixFS path from `root` through directories and HAMT-sharded directories. A HAMT is
 * searched shard by shard rather than by hashing the name: a directory this node serves is read
 * in full at worst (each shard once, at most `maxIdleReads` blocks), and the search needs no
 * murmur3 hasher.
 * @throws {ContentNotFoundError} when a segment names nothing, or a block on the way is missing
 * @throws {DagWalkLimitError} when the path takes more than `maxIdleReads` blocks to follow
 */
export async function resolveDagPath(
  reader: DagReader,
  root: CID,
  path: readonly string[],
  options: ResolveDagPathOptions = {},
): Promise<ResolvedDagPath> {
  const limit = options.maxIdleReads ?? 10_000
  const reads: Reads = { root, left: limit, limit }
  const read = (cid: CID): Promise<Uint8Array> => readCounted(reader, cid, reads, options)
  const roots = [root]
  const blocks: DagBlock[] = []
  let cid = root
  let bytes = await read(cid)
  for (const name of path) {
    const next = await findEntry({ cid, bytes }, name, blocks, read)
    if (next === undefined) throw new ContentNotFoundError(cid.toString(), `no entry named ${JSON.stringify(name)} in this directory`)
    cid = next
    roots.push(cid)
    bytes = await read(cid)
  }
  if (options.describe === false) return { roots, blocks }
  return { roots, blocks, entity: await describeEntity(reader, cid, bytes) }
}

async function readCounted(reader: DagReader, cid: CID, reads: Reads, options: { signal?: AbortSignal }): Promise<Uint8Array> {
  if (--reads.left < 0)
    throw new DagWalkLimitError(
      reads.root.toString(),
      reads.limit,
      `following the path read ${reads.limit} blocks, the most one request may (a HAMT that leads its search in circles?)`,
    )
  return reader.getBlock(cid, options.signal !== undefined ? { signal: options.signal } : {})
}

type Read = (cid: CID) => Promise<Uint8Array>

async function findEntry(block: DagBlock, name: string, trail: DagBlock[], read: Read): Promise<CID | undefined> {
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
  return findInShard(block, name, trail, read, new Set())
}

/**
 * Searches a HAMT shard and its sub-shards; `trail` ends with the shards that lead to the entry.
 * A shard already searched (`searched`) is not searched again: a forged HAMT may link to one
 * sub-shard from many slots.
 */
async function findInShard(shard: DagBlock, name: string, trail: DagBlock[], read: Read, searched: Set<string>): Promise<CID | undefined> {
  searched.add(shard.cid.toString())
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
    if (searched.has(child.toString())) continue
    const found = await findInShard({ cid: child, bytes: await read(child) }, name, trail, read, searched)
    if (found !== undefined) return found
  }
  trail.pop()
  return undefined
}
