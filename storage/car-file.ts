import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car'
import { CID } from 'multiformats/cid'
import { ContentCorruptedError } from './errors.js'
import { FileBlockstore } from './file-blockstore.js'
import { readUnixfsFile } from './read-unixfs-file.js'
import { verifyBlock } from './verified-blockstore.js'

/**
 * Reads a UnixFS file out of a CAR from an untrusted source (a gateway, another node): every
 * block is checked against its CID before it is kept, the blocks wait in a temporary blockstore
 * on disk (memory stays at a few blocks), and the file is then streamed from `root`. A missing
 * block fails with ContentCorruptedError naming it.
 */
export async function* readFileFromCar(
  car: AsyncIterable<Uint8Array>,
  root: CID,
  options: { tmpDir?: string } = {},
): AsyncGenerator<Uint8Array> {
  const dir = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'assay-car-'))
  const blockstore = new FileBlockstore(dir)
  try {
    await blockstore.open()
    const iterator = await CarBlockIterator.fromIterable(car)
    for await (const block of iterator) {
      const cid = CID.decode(block.cid.bytes)
      verifyBlock(cid, block.bytes)
      await blockstore.put(cid, block.bytes)
    }
    try {
      yield* readUnixfsFile(blockstore, root)
    } catch (err) {
      if ((err as Error).name === 'NotFoundError')
        throw new ContentCorruptedError(root.toString(), `the CAR lacks blocks of the file (${(err as Error).message})`)
      throw err
    }
  } finally {
    await blockstore.close()
    await rm(dir, { recursive: true, force: true })
  }
}
