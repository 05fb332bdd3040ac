import {
  HONK_SETUP_RECORD_FORMAT,
  checkCeremonyAgainstRecord,
  setupOfRecord,
  type CeremonyFile,
  type CeremonyFiles,
  type CeremonySnark,
  type CeremonyTranscript,
} from '../circuits/index.js'
import type { ChainClient } from '../contracts/index.js'
import type { AssayClient } from './assay-client.js'
import type { AuditCheck } from './audit-dataset.js'
import { fetchAnchoredSetupRecord } from './fetch-anchored-setup-record.js'

export interface SetupTranscriptOptions {
  client: Pick<AssayClient, 'car'>
  chain: Pick<ChainClient, 'datasetOf' | 'setupRecordOf'>
  datasetId: bigint
  /** The circuit the dataset's verified manifest names. */
  circuitId: string
  /** The ceremony directory: on disk (`ceremonyDirectory`) or files an auditor picked in a browser. */
  files: CeremonyFiles
  /** The auditor's powers of tau (given the transcript, which records where the coordinator's was). */
  ptau: (transcript: CeremonyTranscript) => CeremonyFile & { name: string }
  /** What it says where the ceremony is (a path, or "the chosen folder"). */
  where: string
  snark?: CeremonySnark
}

/**
 * The auditor's `setup` check, as `assay verify --setup` and the audit page run it: the setup record
 * anchored with the dataset's verifier slot against a ceremony's files — the transcript is the one
 * the record describes, every contribution verifies against the powers of tau and the circuit, and
 * the record's key is the final zkey's. A development record fails: no transcript can vouch for it.
 * Never throws: a failure is a failed check naming its error.
 */
export async function checkSetupTranscript(o: SetupTranscriptOptions): Promise<AuditCheck> {
  const check = (ok: boolean, detail: string): AuditCheck => ({ name: 'setup', ok, detail })
  try {
    const slot = (await o.chain.datasetOf(o.datasetId)).circuit
    const { record, cid } = await fetchAnchoredSetupRecord(o.client, o.chain, slot, o.circuitId)
    const setup = setupOfRecord(record)
    if (setup.warning !== undefined) return check(false, `setup record ${cid}: ${setup.warning} (no ceremony transcript to check)`)
    // UltraHonk has no phase-2 ceremony: its setup is the reference string alone, checked by the record's hashes.
    if (record.format === HONK_SETUP_RECORD_FORMAT)
      return check(false, `setup record ${cid}: an UltraHonk circuit has no phase-2 ceremony transcript to check`)
    const transcript = await checkCeremonyAgainstRecord(o.files, o.ptau, record, {
      where: o.where,
      ...(o.snark !== undefined ? { snark: o.snark } : {}),
    })
    return check(
      true,
      `setup record ${cid}: ceremony on ${transcript.ptau.ceremony} (2^${transcript.ptau.power}), ` +
        `${transcript.contributions.length} contribution(s) (${transcript.contributions.map((c) => c.name).join(', ')}) and the beacon, every one verified`,
    )
  } catch (err) {
    return check(false, `${(err as Error).name}: ${(err as Error).message}`)
  }
}
