import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import { FileBlockstore } from './file-blockstore.js'
import { readCarFile } from './read-car-file.js'

/**
 * readCarFile with the blocks waiting in a temporary blockstore on disk, so memory stays at a
 * few blocks however large the file. Node only.
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
    yield* readCarFile(car, root, { blockstore })
  } finally {
    await blockstore.close()
    await rm(dir, { recursive: true, force: true })
  }
}
