import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'

/**
 * The size of the file a UnixFS root block describes, read from that block alone: a raw block's
 * length, a dag-pb file node's fileSize; undefined for anything else (a directory, another codec,
 * bytes that do not decode). Readers stop at this size (a larger stream is an over-read), so it
 * bounds what the DAG can make anyone read, however its blocks repeat below.
 */
export function declaredSize(cid: CID, bytes: Uint8Array): bigint | undefined {
  if (cid.code === raw.code) return BigInt(bytes.length)
  if (cid.code !== dagPb.code) return undefined
  try {
    const data = dagPb.decode(bytes).Data
    if (data === undefined) return undefined
    const node = UnixFS.unmarshal(data)
    return node.type === 'file' || node.type === 'raw' ? node.fileSize() : undefined
  } catch {
    return undefined
  }
}
