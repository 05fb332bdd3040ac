import type { CID } from 'multiformats/cid'
import { readSetupRecordOfSlot, setupRecordCid, type SlotSetupRecord } from '../circuits/index.js'
import { allCommittedSetupRecords } from '../circuits/node.js'
import type { ChainClient } from '../contracts/index.js'
import type { ContentStore } from '../storage/index.js'
import { AssayError } from '../core/index.js'

/** The content store gave a setup record another CID than its anchored digest names (a storage misconfiguration). */
export class SetupRecordStoreError extends AssayError {
  override readonly category = 'internal' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SetupRecordStoreError'
  }
}

/**
 * Stores (and pins) this build's setup records, one raw block each, so that the node's gateway
 * serves every record the deployment anchors and verifiers can read them from IPFS.
 *
 * @throws {SetupRecordStoreError} when a record is stored under another CID than its digest names
 */
export async function storeSetupRecords(contentStore: Pick<ContentStore, 'putBytes'>): Promise<void> {
  for (const [circuitId, { bytes, digest }] of Object.entries(await allCommittedSetupRecords())) {
    const cid = await contentStore.putBytes(bytes, { kind: 'setup-record', circuit: circuitId })
    if (!cid.equals(setupRecordCid(digest)))
      throw new SetupRecordStoreError(
        `the setup record of ${circuitId} was stored as ${cid.toString()}, not as the raw block its digest names`,
      )
  }
}

/**
 * Reads the setup record anchored with the verifier of a circuit slot: its digest from the chain,
 * its bytes from the content store, checked (readAnchoredSetupRecord) against both the digest and
 * the circuit the proofs name. A record's bytes are read once per digest (a failed read is tried
 * again after a minute, not once per dataset: a node missing a record would otherwise wait out the
 * timeout for every dataset of that circuit).
 */
export function createSetupRecordReader(c: {
  chain: Pick<ChainClient, 'setupRecordOf'>
  contentStore: Pick<ContentStore, 'getBytes'>
  timeoutMs?: number
}): (slot: number, circuitId: string) => Promise<SlotSetupRecord> {
  const reads = new Map<string, Promise<Uint8Array>>()
  const read = (cid: CID): Promise<Uint8Array> => {
    const key = cid.toString()
    let pending = reads.get(key)
    if (pending === undefined) {
      pending = c.contentStore.getBytes(cid, { signal: AbortSignal.timeout(c.timeoutMs ?? 30_000) })
      reads.set(key, pending)
      pending.catch(() => setTimeout(() => reads.delete(key), 60_000).unref())
    }
    return pending
  }
  return async (slot, circuitId) => (await readSetupRecordOfSlot(slot, await c.chain.setupRecordOf(slot), circuitId, read)).record
}
