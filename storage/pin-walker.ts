import type { GraphNode, GraphWalkerFactory, WalkOptions } from '@helia/interface'
import { createUnsafe } from 'multiformats/block'
import type { CID } from 'multiformats/cid'
import { getBlockBytes } from './block-bytes.js'

/** Multicodec of raw blocks: leaves with no links. */
const RAW_CODEC = 0x55
const EMPTY = new Uint8Array(0)

/**
 * The walker pins and unpins go through: depth-first, one block at a time, in our own loop rather
 * than Helia's depthFirstWalker, for three reasons.
 * - Each block once. Helia's walker keeps no visited set: a few KB of genuine blocks linking
 *   hundreds of times to the same child (a "dedup bomb", which anyone can anchor) would take it
 *   through every path, exponentially many.
 * - A failure is the caller's alone. Helia's walker rethrows a failed read (or an abort with reads
 *   queued) into its generator where nobody listens, and the process exits on the unhandled
 *   rejection; here it is thrown to whoever iterates, nowhere else.
 * - Raw leaves held already are not read: they have no links, so their bytes tell the walker
 *   nothing, and reading 1 MiB per leaf only to drop it made pinning cost as much as adding. A
 *   leaf that is not local is fetched as usual, so pinning remote content still downloads it.
 */
export const leafSkippingWalker: GraphWalkerFactory = ({ blockstore, getCodec }) => ({
  async *walk<T>(root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
    const maxDepth = options.depth ?? Infinity
    const seen = new Set<string>([root.toV1().toString()])
    const stack: Array<{ cid: CID; depth: number; path: CID[] }> = [{ cid: root, depth: 0, path: [root] }]
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      options.signal?.throwIfAborted()
      const { cid, depth, path } = next
      const held = cid.code === RAW_CODEC && (await blockstore.has(cid, options))
      const bytes = held ? EMPTY : await getBlockBytes(blockstore, cid, options)
      const block = createUnsafe<T, number, number, 0 | 1>({ cid, bytes, codec: await getCodec<T>(cid.code) })
      if (depth < maxDepth) {
        const children: CID[] = []
        for (const [, child] of block.links()) {
          const key = child.toV1().toString()
          if (seen.has(key) || options.includeChild?.(child, block) === false) continue
          seen.add(key)
          children.push(child)
        }
        // Reversed onto the stack: the first link is walked first.
        for (const child of children.reverse()) stack.push({ cid: child, depth: depth + 1, path: [...path, child] })
      }
      yield { block, depth, path }
    }
  },
})
