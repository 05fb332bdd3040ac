import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { concatBytes } from './concat-bytes.js'

/**
 * A whole block: blockstores hand blocks out in pieces (blockstore-fs in 64 KiB ones). Browser-safe.
 * `offline` is Helia's: its networked blockstore then answers from disk alone, never asking peers.
 */
export async function getBlockBytes(
  blockstore: Pick<Blockstore, 'get'>,
  cid: CID,
  options?: { signal?: AbortSignal; offline?: boolean },
): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of blockstore.get(cid, options)) parts.push(part)
  return parts.length === 1 ? parts[0]! : concatBytes(parts)
}
