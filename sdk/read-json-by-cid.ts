import type { CID } from 'multiformats/cid'
import { ContentTooLargeError, readCarFile } from '../storage/index.js'
import type { AssayClient } from './assay-client.js'

/**
 * The largest JSON object read by CID (a proof bundle of thousands of batches is a few MiB): the
 * mirror takes the same bound for a dataset's objects, and a gateway cannot make a reader hold more.
 */
export const MAX_JSON_OBJECT_BYTES = 64 * 1024 * 1024

/**
 * A JSON file (manifest, proof bundle, quality report) by CID through the node's trustless
 * gateway, every block checked against its CID. `readFile` reads the CAR (default: in memory;
 * the CLI passes the reader that keeps blocks on disk).
 *
 * @throws {ContentTooLargeError} the file is larger than MAX_JSON_OBJECT_BYTES
 */
export async function readJsonByCid(
  client: Pick<AssayClient, 'car'>,
  cid: CID,
  readFile: (car: AsyncIterable<Uint8Array>, root: CID) => AsyncIterable<Uint8Array> = (car, root) =>
    readCarFile(car, root, { maxBytes: MAX_JSON_OBJECT_BYTES }),
): Promise<unknown> {
  const decoder = new TextDecoder()
  let text = ''
  let bytes = 0
  for await (const chunk of readFile(await client.car(cid), cid)) {
    bytes += chunk.length
    if (bytes > MAX_JSON_OBJECT_BYTES)
      throw new ContentTooLargeError(
        cid.toString(),
        MAX_JSON_OBJECT_BYTES,
        `more than the ${MAX_JSON_OBJECT_BYTES} bytes a JSON object may have`,
      )
    text += decoder.decode(chunk, { stream: true })
  }
  return JSON.parse(text + decoder.decode())
}
