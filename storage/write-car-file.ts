import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createPieceHasher, type PieceCid } from './piece-cid.js'

/**
 * Writes a CAR stream to `file`, computing its Filecoin piece commitment as it is written (one
 * pass, bounded memory). The file keeps a `.partial` name until the stream has ended; a failure
 * (of the stream, or of the disk) removes it. Node only.
 */
export async function writeCarFile(car: AsyncIterable<Uint8Array>, file: string): Promise<PieceCid> {
  const hasher = createPieceHasher()
  const partial = `${file}.partial`
  try {
    await pipeline(
      Readable.from(
        (async function* () {
          for await (const chunk of car) {
            hasher.write(chunk)
            yield chunk
          }
        })(),
      ),
      createWriteStream(partial),
    )
    const piece = hasher.finish()
    await rename(partial, file)
    return piece
  } catch (err) {
    await rm(partial, { force: true })
    throw err
  } finally {
    hasher.free()
  }
}
