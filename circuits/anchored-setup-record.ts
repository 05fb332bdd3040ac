import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { AssayError } from '../core/index.js'
import { getCircuitManifest, sha256Hex } from './artifact-manifest.js'
import { setupFrom, type CircuitSetup } from './circuit-setup.js'
import type { SetupRecord as CeremonyRecord } from './ceremony-record.js'
import { HONK_SETUP_RECORD_FORMAT, isHonkSetupRecord, setupOfHonkRecord, type HonkSetupRecord } from './honk-setup-record.js'
import { SetupRecordMismatchError } from './setup-record-mismatch-error.js'
import { SetupRecordMissingError } from './setup-record-missing-error.js'
import type { VerificationKey } from './verify-proof.js'

export const ANCHORED_SETUP_RECORD_FORMAT = 'assay.setup-record/v1'

/**
 * What a circuit's verification key rests on, stored in IPFS (one raw block) and anchored next to
 * its verifier: `DatasetRegistry.setupRecords(slot)` holds the record's sha256, which is also its
 * CID (CIDv1, raw, sha256). A verifier needs nothing else to learn the key and where it came from.
 * Whether the setup is a ceremony is derived from the facts recorded (see `setupOfRecord`), never
 * stated; a ceremony's transcript can be checked end to end against the record (`assay verify --setup`).
 */
export interface AnchoredSetupRecord {
  format: typeof ANCHORED_SETUP_RECORD_FORMAT
  circuitId: string
  /** The generated Solidity verifier contract installed in the circuit's slot. */
  verifier: string
  constraints: number
  ptau: {
    source: 'dev-seed' | 'ceremony'
    power: number
    /** The public ceremony the file's hash matched, or `unknown ceremony`. */
    ceremony?: string
    knownAs?: string
    sha256?: string
    blake2b512?: string
  }
  phase2: {
    setup: 'dev-direct' | 'ceremony'
    contributions: { name: string; contributionHash: string }[]
    beacon?: { hash: string; iterationsExp: number; contributionHash: string }
  }
  /** sha256 of the circuit's artifacts: r1cs, the final zkey and the vkey file (the hash manifests name). */
  files: { r1cs: string; zkey: string; vkey: string }
  vkey: VerificationKey
}

/** The record anchored with any verifier slot: a Groth16 circuit's, or an UltraHonk circuit's. */
export type SlotSetupRecord = AnchoredSetupRecord | HonkSetupRecord

/** A setup record that cannot be read as one. */
export class SetupRecordFormatError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SetupRecordFormatError'
  }
}

/**
 * The record of a committed circuit: its manifest entry and verification key, or, for a key from
 * a ceremony, that ceremony's finalized record (`assay setup finalize`) and exported key: its
 * ptau, contributions, beacon and file hashes, for the same circuit (the r1cs the manifest pins).
 *
 * @throws {SetupRecordMismatchError} when the ceremony was run for another circuit or constraint system
 */
export function buildSetupRecord(circuitId: string, vkey: VerificationKey, ceremony?: CeremonyRecord): AnchoredSetupRecord {
  const entry = getCircuitManifest(circuitId)
  if (ceremony !== undefined) {
    if (ceremony.circuitId !== circuitId) throw new SetupRecordMismatchError('circuitId', ceremony.circuitId, circuitId)
    if (ceremony.r1csSha256 !== entry.files.r1cs)
      throw new SetupRecordMismatchError('r1cs', entry.files.r1cs, ceremony.r1csSha256, {
        message: `the ceremony was run on constraint system ${ceremony.r1csSha256}, not ${circuitId}'s (${entry.files.r1cs})`,
      })
  }
  return {
    format: ANCHORED_SETUP_RECORD_FORMAT,
    circuitId,
    verifier: entry.verifier,
    constraints: entry.constraints,
    ptau:
      ceremony !== undefined
        ? { source: 'ceremony', ...ceremony.ptau }
        : { source: entry.ptau.source, power: entry.ptau.power, ...(entry.ptau.sha256 !== undefined ? { sha256: entry.ptau.sha256 } : {}) },
    phase2: {
      setup: ceremony !== undefined ? 'ceremony' : entry.zkeySetup,
      contributions: ceremony?.contributions.map((c) => ({ name: c.name, contributionHash: c.contributionHash })) ?? [],
      ...(ceremony !== undefined ? { beacon: { ...ceremony.beacon } } : {}),
    },
    files:
      ceremony !== undefined
        ? { r1cs: ceremony.r1csSha256, zkey: ceremony.finalZkeySha256, vkey: ceremony.vkeySha256 }
        : { r1cs: entry.files.r1cs, zkey: entry.files.zkey, vkey: entry.files.vkey },
    vkey,
  }
}

/** JSON with every object's keys sorted and no spaces: one record, one byte string, one CID. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value)
}

export function encodeSetupRecord(record: SlotSetupRecord): Uint8Array {
  return new TextEncoder().encode(canonicalJson(record))
}

/** The bytes32 anchored on-chain for a record: its sha256, `0x`-prefixed. */
export async function setupRecordDigest(bytes: Uint8Array): Promise<string> {
  return `0x${await sha256Hex(bytes)}`
}

const RAW = 0x55
const SHA2_256 = 0x12

/** The CID of the record an anchored digest names: CIDv1, raw codec, sha2-256 (what IPFS gives one small file with raw leaves). */
export function setupRecordCid(digest: string): CID {
  const hex = digest.replace(/^0x/, '')
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new SetupRecordFormatError(`not a sha256 digest: ${digest}`)
  const bytes = Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)))
  return CID.createV1(RAW, createDigest(SHA2_256, bytes))
}

const isHex64 = (x: unknown): boolean => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)

/**
 * The record behind an anchored digest: its bytes must hash to the digest, be a setup record, and
 * be of `circuitId`.
 *
 * @throws {SetupRecordMismatchError} when the bytes are not the anchored record (field `anchor`) or
 *   the record is of another circuit (field `circuitId`)
 * @throws {SetupRecordFormatError} when the anchored bytes are not a setup record
 */
export async function readAnchoredSetupRecord(bytes: Uint8Array, anchoredDigest: string, circuitId: string): Promise<AnchoredSetupRecord> {
  return groth16Record(await anchoredJson(bytes, anchoredDigest, circuitId), circuitId)
}

/**
 * The record behind a slot's anchored digest, of either proof system: an UltraHonk record
 * (isHonkSetupRecord) or a Groth16 one (as readAnchoredSetupRecord reads it), with the same checks.
 *
 * @throws {SetupRecordMismatchError} when the bytes are not the anchored record or of another circuit
 * @throws {SetupRecordFormatError} when the anchored bytes are neither record
 */
export async function readSlotSetupRecord(bytes: Uint8Array, anchoredDigest: string, circuitId: string): Promise<SlotSetupRecord> {
  const value = await anchoredJson(bytes, anchoredDigest, circuitId)
  if ((value as { format?: unknown } | null)?.format !== HONK_SETUP_RECORD_FORMAT) return groth16Record(value, circuitId)
  if (!isHonkSetupRecord(value))
    throw new SetupRecordFormatError(`the setup record anchored for ${circuitId} is not a well-formed ${HONK_SETUP_RECORD_FORMAT} record`)
  if (value.circuitId !== circuitId) throw circuitMismatch(value.circuitId, circuitId)
  return value
}

/** The JSON of bytes that must hash to the anchored digest. @throws {SetupRecordMismatchError} @throws {SetupRecordFormatError} */
async function anchoredJson(bytes: Uint8Array, anchoredDigest: string, circuitId: string): Promise<unknown> {
  const actual = await setupRecordDigest(bytes)
  if (actual.toLowerCase() !== anchoredDigest.toLowerCase())
    throw new SetupRecordMismatchError('anchor', anchoredDigest, actual, {
      message: `the setup record read for ${circuitId} hashes to ${actual}, but the chain anchors ${anchoredDigest}`,
    })
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown
  } catch (err) {
    throw new SetupRecordFormatError(`the setup record anchored for ${circuitId} is not JSON`, { cause: err })
  }
}

/** A Groth16 setup record of `circuitId`. @throws {SetupRecordFormatError} @throws {SetupRecordMismatchError} */
function groth16Record(value: unknown, circuitId: string): AnchoredSetupRecord {
  const record = value as AnchoredSetupRecord
  const ok =
    record?.format === ANCHORED_SETUP_RECORD_FORMAT &&
    typeof record.circuitId === 'string' &&
    typeof record.verifier === 'string' &&
    (record.ptau?.source === 'dev-seed' || record.ptau?.source === 'ceremony') &&
    Number.isInteger(record.ptau.power) &&
    (record.phase2?.setup === 'dev-direct' || record.phase2?.setup === 'ceremony') &&
    Array.isArray(record.phase2.contributions) &&
    record.phase2.contributions.every((c) => typeof c?.name === 'string' && typeof c.contributionHash === 'string') &&
    isHex64(record.files?.r1cs) &&
    isHex64(record.files.zkey) &&
    isHex64(record.files.vkey) &&
    record.vkey?.protocol === 'groth16'
  if (!ok) throw new SetupRecordFormatError(`the setup record anchored for ${circuitId} is not an ${ANCHORED_SETUP_RECORD_FORMAT} record`)
  if (record.circuitId !== circuitId) throw circuitMismatch(record.circuitId, circuitId)
  return record
}

/**
 * Whether the verification key a verifier is about to use is the anchored record's: the hash the
 * manifest names and the key itself.
 *
 * @throws {SetupRecordMismatchError} (field `files.vkey` or `vkey`) when it is not
 */
/** The record anchored with a dataset's verifier slot is of another circuit than the manifest names. */
export function circuitMismatch(recorded: string, named: string): SetupRecordMismatchError {
  return new SetupRecordMismatchError('circuitId', recorded, named, {
    message: `the setup record anchored with the verifier is of circuit ${recorded}, but the proofs are of ${named}`,
  })
}

export async function assertVkeyOfRecord(record: AnchoredSetupRecord, vkey: VerificationKey, vkeyHash: string): Promise<void> {
  if (vkeyHash !== record.files.vkey)
    throw new SetupRecordMismatchError('files.vkey', record.files.vkey, vkeyHash, {
      message: `verification key ${vkeyHash} is not the anchored setup record's (${record.files.vkey})`,
    })
  const [recorded, used] = [canonicalJson(record.vkey), canonicalJson(vkey)]
  if (recorded !== used)
    throw new SetupRecordMismatchError(
      'vkey',
      await sha256Hex(new TextEncoder().encode(recorded)),
      await sha256Hex(new TextEncoder().encode(used)),
      {
        message: "the verification key used is not the anchored setup record's key (their canonical JSON differs)",
      },
    )
}

/** The setup a record describes (see setupFrom: the same rule as for the committed manifest; setupOfHonkRecord). */
export function setupOfRecord(record: SlotSetupRecord): CircuitSetup {
  if (record.format === HONK_SETUP_RECORD_FORMAT) return setupOfHonkRecord(record)
  const { power, source, sha256 } = record.ptau
  return setupFrom({
    ptau: { power, source, ...(sha256 !== undefined ? { sha256 } : {}) },
    zkeySetup: record.phase2.setup,
    contributions: record.phase2.contributions.length,
  })
}

/**
 * The setup record the chain anchors for circuit slot `slot` (`digest`, its `setupRecords(slot)`):
 * the bytes `read` gives for the digest's CID, checked by readAnchoredSetupRecord. The one reading
 * of an anchored record for the node, the SDK, the CLI and the browser.
 *
 * @throws {SetupRecordMissingError} when the slot anchors no record (a zero digest)
 */
export async function readSetupRecordOfSlot(
  slot: number,
  digest: string,
  circuitId: string,
  read: (cid: CID) => Promise<Uint8Array>,
): Promise<{ record: SlotSetupRecord; cid: CID }> {
  if (/^0x0{64}$/.test(digest)) throw new SetupRecordMissingError(slot)
  const cid = setupRecordCid(digest)
  return { record: await readSlotSetupRecord(await read(cid), digest, circuitId), cid }
}
