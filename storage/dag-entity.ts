import { code as DAG_PB_CODE, decode as decodeDagPb, type PBNode } from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { UndecodableBlockError } from './undecodable-block-error.js'

/** Multicodec of raw blocks. */
export const RAW_CODE = 0x55
/** Multihash of identity CIDs: the block is the digest itself. */
export const IDENTITY_CODE = 0x00

/** What a DAG walk needs: blocks checked against their CIDs, and the links in a block. */
export interface DagReader {
  /** One block, checked against its CID (identity CIDs answer from the CID). */
  getBlock(cid: CID, options?: { signal?: AbortSignal }): Promise<Uint8Array>
  /** The CIDs a block links to, in the codec's order. */
  linksOf(cid: CID, bytes: Uint8Array): Promise<CID[]>
}

/**
 * What a block stands for, as a trustless gateway's `dag-scope=entity` sees it: a UnixFS file (or a
 * raw block: bytes), a directory, a HAMT-sharded directory, or any other block.
 */
export type DagEntityKind = 'file' | 'directory' | 'sharded-directory' | 'block'

export interface DagEntity {
  cid: CID
  kind: DagEntityKind
  /** The file's size in bytes (kind `file`). */
  size?: number
  /** How many blocks it links to. */
  links: number
}

const CODEC_NAMES: Record<number, string> = {
  0x55: 'raw',
  0x70: 'dag-pb',
  0x71: 'dag-cbor',
  0x0129: 'dag-json',
  0x0200: 'json',
  0x51: 'cbor',
}

/** A codec's name for people: `dag-json`, or its code (`0x9999`) when it has none here. */
export const codecName = (code: number): string => CODEC_NAMES[code] ?? `0x${code.toString(16)}`

/**
 * A dag-pb block decoded. Its bytes hash to its CID, so a failure is no corruption: the CID names
 * bytes of another kind as dag-pb (anyone can name any bytes under any codec).
 * @throws {UndecodableBlockError}
 */
export function decodeDagPbBlock(cid: CID, bytes: Uint8Array): PBNode {
  try {
    return decodeDagPb(bytes)
  } catch (err) {
    throw new UndecodableBlockError(cid.toString(), 'dag-pb', err instanceof Error ? err.message : String(err), { cause: err })
  }
}

/** The UnixFS data of a dag-pb node, if it has any that parses. */
export function unixfsOf(node: PBNode): UnixFS | undefined {
  if (node.Data === undefined) return undefined
  try {
    return UnixFS.unmarshal(node.Data)
  } catch {
    return undefined
  }
}

/** Describes one block as an entity (see DagEntityKind). */
export async function describeEntity(reader: Pick<DagReader, 'linksOf'>, cid: CID, bytes: Uint8Array): Promise<DagEntity> {
  if (cid.code === RAW_CODE) return { cid, kind: 'file', size: bytes.length, links: 0 }
  if (cid.code !== DAG_PB_CODE) return { cid, kind: 'block', links: (await reader.linksOf(cid, bytes)).length }
  const node = decodeDagPbBlock(cid, bytes)
  const unixfs = unixfsOf(node)
  const links = node.Links.length
  if (unixfs === undefined) return { cid, kind: 'block', links }
  if (unixfs.type === 'file' || unixfs.type === 'raw') return { cid, kind: 'file', size: Number(unixfs.fileSize()), links }
  if (unixfs.type === 'directory') return { cid, kind: 'directory', links }
  if (unixfs.type === 'hamt-sharded-directory') return { cid, kind: 'sharded-directory', links }
  return { cid, kind: 'block', links }
}

/** Length of the hex prefix that names a HAMT shard's slots (`fanout` 256: two characters). */
export function shardPrefixLength(unixfs: UnixFS): number {
  return (Number(unixfs.fanout ?? 256n) - 1).toString(16).length
}
