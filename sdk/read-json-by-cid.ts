import type { CID } from 'multiformats/cid'
import { readCarFile } from '../storage/index.js'
import type { AssayClient } from './assay-client.js'

/**
 * A JSON file (manifest, proof bundle, quality report) by CID through the node's trustless
 * gateway, every block checked against its CID. `readFile` reads the CAR (default: in memory;
 * the CLI passes the reader that keeps blocks on disk).
 */
export async function readJsonByCid(
  client: Pick<AssayClient, 'car'>,
  cid: CID,
  readFile: (car: AsyncIterable<Uint8Array>, root: CID) => AsyncIterable<Uint8Array> = readCarFile,
): Promise<unknown> {
  const decoder = new TextDecoder()
  let text = ''
  for await (const chunk of readFile(await client.car(cid), cid)) text += decoder.decode(chunk, { stream: true })
  return JSON.parse(text + decoder.decode())
}
