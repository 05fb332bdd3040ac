import { depthFirstWalker } from '@helia/utils'
import type { GraphWalkerFactory } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** Multicodec of raw blocks: leaves with no links. */
const RAW_CODEC = 0x55
const EMPTY = new Uint8Array(0)

/**
 * A depth-first pin walker that does not read raw leaves it already holds: they have no links,
 * so their bytes tell the walker nothing, and reading 1 MiB per leaf only to drop it made pinning
 * cost as much as adding. A leaf that is not local is fetched as usual, so pinning remote content
 * still downloads it.
 */
export const leafSkippingWalker: GraphWalkerFactory = (components) => {
  const inner = components.blockstore
  const blockstore = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'get') return Reflect.get(target, prop, receiver) as unknown
      return async function* get(cid: CID, options?: Record<string, unknown>): AsyncGenerator<Uint8Array> {
        if (cid.code === RAW_CODEC && (await target.has(cid, options))) {
          yield EMPTY
          return
        }
        yield* target.get(cid, options)
      }
    },
  })
  return depthFirstWalker()({ ...components, blockstore })
}
