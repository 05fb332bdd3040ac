import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** A whole block: blockstores hand blocks out in pieces (blockstore-fs in 64 KiB ones). Browser-safe. */
export async function getBlockBytes(
  blockstore: Pick<Blockstore, 'get'>,
  cid: CID,
  options?: { signal?: AbortSignal },
): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of blockstore.get(cid, options)) parts.push(part)
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
