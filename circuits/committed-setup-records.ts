import { buildSetupRecord, encodeSetupRecord, setupRecordDigest, type AnchoredSetupRecord } from './anchored-setup-record.js'
import { listCircuits } from './artifact-manifest.js'
import { listHonkCircuits } from './honk-manifest.js'
import { buildHonkSetupRecord, type HonkSetupRecord } from './honk-setup-record.js'
import { ArtifactError } from '../core/index.js'
import { readInstalledCeremony } from './installed-ceremony.js'
import { loadCircuitVerificationKey } from './load-circuit.js'

export interface CommittedSetupRecord<R = AnchoredSetupRecord> {
  record: R
  /** The record's canonical bytes: what IPFS stores (one raw block). */
  bytes: Uint8Array
  /** sha256 of the bytes (`0x`-hex): what the chain anchors with the circuit's verifier. */
  digest: string
}

let cached: Promise<Record<string, CommittedSetupRecord>> | undefined

/**
 * The setup record of every committed Groth16 circuit (retired ones included: their slots stay), from the
 * artifact manifest and the committed verification keys, which are checked against it; a circuit
 * built from an installed ceremony (`phase2` in the manifest) takes its transcript from the
 * ceremony's committed record (circuits/ceremonies).
 */
export function committedSetupRecords(): Promise<Record<string, CommittedSetupRecord>> {
  cached ??= (async () => {
    const out: Record<string, CommittedSetupRecord> = {}
    for (const [circuitId, entry] of listCircuits()) {
      const { vkey } = await loadCircuitVerificationKey(circuitId)
      const installed = entry.phase2 !== undefined ? readInstalledCeremony(circuitId) : undefined
      if (entry.phase2 !== undefined && installed === undefined)
        throw new ArtifactError(circuitId, 'the manifest says it was built from a ceremony, but circuits/ceremonies holds no record of it')
      if (installed !== undefined && installed.record.vkeySha256 !== entry.files.vkey)
        throw new ArtifactError(
          circuitId,
          `its installed ceremony's key ${installed.record.vkeySha256} is not the built ${entry.files.vkey}`,
        )
      const record = buildSetupRecord(circuitId, vkey, installed?.record)
      const bytes = encodeSetupRecord(record)
      out[circuitId] = { record, bytes, digest: await setupRecordDigest(bytes) }
    }
    return out
  })()
  cached.catch(() => (cached = undefined))
  return cached
}

/** The setup record of every committed UltraHonk circuit (circuits/honk-artifacts.json, buildHonkSetupRecord). */
export async function committedHonkSetupRecords(): Promise<Record<string, CommittedSetupRecord<HonkSetupRecord>>> {
  const out: Record<string, CommittedSetupRecord<HonkSetupRecord>> = {}
  for (const [circuitId] of listHonkCircuits()) {
    const record = buildHonkSetupRecord(circuitId)
    const bytes = encodeSetupRecord(record)
    out[circuitId] = { record, bytes, digest: await setupRecordDigest(bytes) }
  }
  return out
}

/** Every committed circuit's record, both proof systems: what the node stores in IPFS for verifiers to read. */
export async function allCommittedSetupRecords(): Promise<Record<string, CommittedSetupRecord<AnchoredSetupRecord | HonkSetupRecord>>> {
  return { ...(await committedSetupRecords()), ...(await committedHonkSetupRecords()) }
}

/** Just the digests of both systems' records, as `deployContracts` takes them. */
export async function committedSetupRecordDigests(): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await allCommittedSetupRecords()).map(([id, r]) => [id, r.digest]))
}
