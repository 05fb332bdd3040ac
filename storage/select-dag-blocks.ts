import { code as DAG_PB_CODE } from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { decodeDagPbBlock, describeEntity, IDENTITY_CODE, shardPrefixLength, unixfsOf, type DagReader } from './dag-entity.js'
import { DagWalkLimitError } from './dag-walk-limit-error.js'
import type { DagBlock } from './resolve-dag-path.js'

/** A trustless gateway's `dag-scope`: the block alone, the entity it stands for, or its whole DAG. */
export type DagScope = 'block' | 'entity' | 'all'

/** Which blocks of a DAG to send. */
export interface DagSelection {
  /**
   * `block`: the root alone. `entity`: for a UnixFS file the blocks of its bytes, for a directory
   * its block, for a HAMT-sharded directory its shards; any other block alone. `all`: every block
   * the root reaches.
   */
  scope: DagScope
  /** With `entity` on a file: only the blocks that hold bytes [offset, offset + length), and the nodes above them. */
  range?: { offset: number; length: number }
  /** Send a block each time the DAG links to it (true), or once (false). Default false. */
  duplicates?: boolean
}

export interface SelectDagBlocksOptions {
  /** Ends the walk, e.g. when the client has gone. */
  signal?: AbortSignal
  /** How long one block may take to arrive, from disk or a peer. Default 30 s. */
  blockTimeoutMs?: number
  /**
   * Blocks the walk may visit that add nothing to the answer (one already sent, met again where
   * another part of a file's range lies below it; an identity block) before it fails with
   * DagWalkLimitError. Default 10,000: an honest DAG needs a few per level of its depth. Every
   * other visit sends a block, so the client's reading paces it.
   */
  maxIdleReads?: number
}

/** A block still to visit: how to walk below it, and for `file` walks where it stands in the file. */
interface Step {
  cid: CID
  walk: 'none' | 'all' | 'file' | 'shards'
  /** Where the block's bytes start in the file (`file` walks). */
  start: number
  /**
   * The part of the requested range below this block (`file` walks), or none when all of the
   * block is wanted (no range, or its span lies inside it): then its CID alone says what was sent.
   */
  window?: { from: number; to: number }
}

// @ipld/dag-pb may carry its own copy of multiformats: take its CIDs as ours.
const asCid = (hash: CID): CID => CID.asCID(hash) ?? CID.decode(hash.bytes)

/**
 * The blocks of a DAG selection in depth-first order, links in the order the codec lists them
 * (a CAR's `order=dfs`), read one at a time as the consumer pulls: memory stays at one block
 * and a stack of CIDs however large the DAG. Identity blocks are walked but not given (their
 * bytes are in the CID that links to them). Without duplicates a block wanted whole is visited
 * once however often the DAG links to it, so a DAG that links to a few blocks millions of times
 * (a "dedup bomb") costs a few reads.
 * @throws {DagWalkLimitError} after `maxIdleReads` visits that sent nothing
 */
export async function* selectDagBlocks(
  reader: DagReader,
  root: CID,
  selection: DagSelection,
  options: SelectDagBlocksOptions = {},
): AsyncGenerator<DagBlock> {
  const timeoutMs = options.blockTimeoutMs ?? 30_000
  const maxIdle = options.maxIdleReads ?? 10_000
  const read = (cid: CID): Promise<Uint8Array> => {
    const timeout = AbortSignal.timeout(timeoutMs)
    return reader.getBlock(cid, { signal: options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]) })
  }
  const range =
    selection.range === undefined ? undefined : { from: selection.range.offset, to: selection.range.offset + selection.range.length }
  const rootBytes = await read(root)
  let walk: Step['walk'] = 'none'
  if (selection.scope === 'all') walk = 'all'
  else if (selection.scope === 'entity' && (range === undefined || range.to > range.from)) {
    const { kind } = await describeEntity(reader, root, rootBytes)
    walk = kind === 'file' ? 'file' : kind === 'sharded-directory' ? 'shards' : 'none'
  }

  async function childrenOf(step: Step, bytes: Uint8Array): Promise<Step[]> {
    if (step.walk === 'none') return []
    if (step.walk === 'all') return (await reader.linksOf(step.cid, bytes)).map((cid) => ({ cid, walk: 'all', start: 0 }))
    if (step.cid.code !== DAG_PB_CODE) return [] // a raw leaf
    const node = decodeDagPbBlock(step.cid, bytes)
    const unixfs = unixfsOf(node)
    if (unixfs === undefined) return []
    if (step.walk === 'shards') {
      if (unixfs.type !== 'hamt-sharded-directory') return []
      // Links named by their slot alone are sub-shards; the others are the directory's entries.
      const prefix = shardPrefixLength(unixfs)
      return node.Links.filter((l) => (l.Name ?? '').length === prefix).map((l) => ({ cid: asCid(l.Hash), walk: 'shards', start: 0 }))
    }
    // A file node: its own bytes first, then each child's, as long as blockSizes says.
    const sized = unixfs.blockSizes.length === node.Links.length
    const window = step.window
    let at = step.start + (unixfs.data?.length ?? 0)
    const children: Step[] = []
    node.Links.forEach((link, i) => {
      const cid = asCid(link.Hash)
      const start = at
      at += sized ? Number(unixfs.blockSizes[i]) : 0
      if (window === undefined) children.push({ cid, walk: 'file', start })
      // Without sizes for every link nothing says where the range is: keep every child.
      else if (!sized) children.push({ cid, walk: 'file', start, window })
      else if (start < window.to && at > window.from)
        children.push(
          start >= window.from && at <= window.to
            ? { cid, walk: 'file', start }
            : // Cut to this node's part of the range: below a forged node that claims more than its span, no more is asked.
              { cid, walk: 'file', start, window: { from: Math.max(window.from, start), to: Math.min(window.to, at) } },
        )
    })
    return children
  }

  const once = selection.duplicates !== true
  const sent = new Set<string>()
  // Blocks walked whole, by CID; blocks walked for part of the range, by CID, offset and part.
  const walked = new Set<string>()
  let idle = 0
  const stack: Step[] = [{ cid: root, walk, start: 0, ...(range !== undefined ? { window: range } : {}) }]
  let bytes: Uint8Array | undefined = rootBytes
  while (stack.length > 0) {
    options.signal?.throwIfAborted()
    const step = stack.pop()!
    const key = step.cid.toString()
    if (once) {
      // Walked whole before: everything below it was sent.
      if (walked.has(key)) continue
      const walkKey = step.window === undefined ? key : `${key}@${step.start}:${step.window.from}-${step.window.to}`
      if (walked.has(walkKey)) continue
      walked.add(walkKey)
    }
    bytes ??= await read(step.cid)
    if (step.cid.multihash.code !== IDENTITY_CODE && !(once && sent.has(key))) {
      if (once) sent.add(key)
      yield { cid: step.cid, bytes }
    } else if (++idle > maxIdle)
      throw new DagWalkLimitError(
        root.toString(),
        maxIdle,
        `the walk visited ${maxIdle} blocks that added nothing to the answer, the most one request may (a DAG that links to the same blocks over and over?); ask for less of it (dag-scope, entity-bytes)`,
      )
    const children = await childrenOf(step, bytes)
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!)
    bytes = undefined
  }
}
