import { readSetupRecordOfSlot, type SlotSetupRecord } from '../circuits/index.js'
import type { ChainClient } from '../contracts/index.js'
import { concatBytes, readCarFile } from '../storage/index.js'
import type { AssayClient } from './assay-client.js'

/**
 * The setup record anchored with the verifier of circuit slot `slot` (the dataset's, as the chain
 * records it), read through the node's gateway with its block checked against the anchored sha256,
 * and of circuit `circuitId` (the manifest's).
 *
 * @throws {SetupRecordMissingError} when the slot anchors no record
 * @throws {SetupRecordMismatchError} when the record is of another circuit (or the bytes are not the anchored ones)
 * @throws {SetupRecordFormatError} when the anchored bytes are not a setup record
 */
export async function fetchAnchoredSetupRecord(
  client: Pick<AssayClient, 'car'>,
  chain: Pick<ChainClient, 'setupRecordOf'>,
  slot: number,
  circuitId: string,
): Promise<{ record: SlotSetupRecord; cid: string }> {
  const { record, cid } = await readSetupRecordOfSlot(slot, await chain.setupRecordOf(slot), circuitId, async (cid) => {
    const chunks: Uint8Array[] = []
    for await (const chunk of readCarFile(await client.car(cid), cid)) chunks.push(chunk)
    return concatBytes(chunks)
  })
  return { record, cid: cid.toString() }
}
