import { buildSetupRecord, encodeSetupRecord, setupRecordDigest, type AnchoredSetupRecord } from './anchored-setup-record.js'
import { listCircuits } from './artifact-manifest.js'
import { loadCircuitVerificationKey } from './load-circuit.js'

export interface CommittedSetupRecord {
  record: AnchoredSetupRecord
  /** The record's canonical bytes: what IPFS stores (one raw block). */
  bytes: Uint8Array
  /** sha256 of the bytes (`0x`-hex): what the chain anchors with the circuit's verifier. */
  digest: string
}

let cached: Promise<Record<string, CommittedSetupRecord>> | undefined

/**
 * The setup record of every committed circuit (retired ones included: their slots stay), from the
 * artifact manifest and the committed verification keys, which are checked against it.
 */
export function committedSetupRecords(): Promise<Record<string, CommittedSetupRecord>> {
  cached ??= (async () => {
    const out: Record<string, CommittedSetupRecord> = {}
    for (const [circuitId] of listCircuits()) {
      const { vkey } = await loadCircuitVerificationKey(circuitId)
      const record = buildSetupRecord(circuitId, vkey)
      const bytes = encodeSetupRecord(record)
      out[circuitId] = { record, bytes, digest: await setupRecordDigest(bytes) }
    }
    return out
  })()
  cached.catch(() => (cached = undefined))
  return cached
}

/** Just the digests, as `deployContracts` takes them. */
export async function committedSetupRecordDigests(): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await committedSetupRecords()).map(([id, r]) => [id, r.digest]))
}
