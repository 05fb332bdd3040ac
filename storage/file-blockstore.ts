import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { NextToLast, type ShardingStrategy } from 'blockstore-fs/sharding'
import { NotFoundError } from 'interface-store'
import type { CID } from 'multiformats/cid'

/**
 * blockstore-fs with a faster read path: a block (≤ ~1 MiB) is read with one `readFile` instead of
 * a read stream of 64 KiB pieces. On 256 MiB of 1 MiB blocks this made cat ~6× and pinning ~4×
 * faster (bench:storage). Same on-disk layout and the same atomic writes, so data dirs stay
 * compatible with plain blockstore-fs.
 */
export class FileBlockstore extends FsBlockstore {
  private readonly root: string
  private readonly sharding: ShardingStrategy

  constructor(location: string) {
    const sharding = new NextToLast()
    super(location, { shardingStrategy: sharding })
    this.root = resolve(location)
    this.sharding = sharding
  }

  override async *get(key: CID, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    const { dir, file } = this.sharding.encode(key)
    let bytes: Uint8Array
    try {
      bytes = await readFile(join(this.root, dir, file), { signal: options?.signal })
    } catch (err) {
      throw new NotFoundError(String(err))
    }
    yield bytes
  }
}
