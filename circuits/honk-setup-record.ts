import type { CircuitSetup } from './circuit-setup.js'
import { DEVELOPMENT_SETUP_WARNING } from './circuit-setup.js'
import { getHonkCircuit } from './honk-manifest.js'

export const HONK_SETUP_RECORD_FORMAT = 'assay.honk-setup-record/v1'

/**
 * What an UltraHonk circuit's verifier rests on, stored in IPFS and anchored next to its verifier
 * like a Groth16 setup record. UltraHonk has no circuit-specific phase 2: the reference string
 * (powers of tau in G1 and tau·G2, written from a powers-of-tau file) is the whole setup, and the
 * verification key follows from it and the program, which the record names by hash.
 */
export interface HonkSetupRecord {
  format: typeof HONK_SETUP_RECORD_FORMAT
  circuitId: string
  /** The generated Solidity verifier contract installed in the circuit's slot (it holds the key). */
  verifier: string
  gates: number
  crs: { source: 'dev-seed' | 'ceremony'; points: number; sha256: string; ptauSha256?: string }
  /** sha256 of the program's ACIR bytecode and of bb's verification key. */
  files: { bytecode: string; vk: string }
}

/** The record of a committed UltraHonk circuit, from its manifest entry. @throws {ArtifactError} for an unknown circuit */
export function buildHonkSetupRecord(circuitId: string): HonkSetupRecord {
  const entry = getHonkCircuit(circuitId)
  return {
    format: HONK_SETUP_RECORD_FORMAT,
    circuitId,
    verifier: entry.verifier,
    gates: entry.gates,
    crs: { ...entry.crs },
    files: { ...entry.files },
  }
}

const isHex64 = (x: unknown): boolean => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x)

/** Whether a parsed value is a well-formed UltraHonk setup record. */
export function isHonkSetupRecord(value: unknown): value is HonkSetupRecord {
  const r = value as HonkSetupRecord | undefined
  return (
    r?.format === HONK_SETUP_RECORD_FORMAT &&
    typeof r.circuitId === 'string' &&
    typeof r.verifier === 'string' &&
    Number.isInteger(r.gates) &&
    (r.crs?.source === 'dev-seed' || r.crs?.source === 'ceremony') &&
    Number.isInteger(r.crs.points) &&
    r.crs.points > 0 &&
    isHex64(r.crs.sha256) &&
    (r.crs.ptauSha256 === undefined || isHex64(r.crs.ptauSha256)) &&
    isHex64(r.files?.bytecode) &&
    isHex64(r.files.vk)
  )
}

/**
 * The setup an UltraHonk record describes: a ceremony exactly when its reference string comes
 * from a ceremony powers of tau (there is no phase 2 to add a trapdoor of its own); the development
 * reference string's tau is public, so anyone can forge proofs under it.
 */
export function setupOfHonkRecord(record: HonkSetupRecord): CircuitSetup {
  const development = record.crs.source !== 'ceremony'
  return {
    kind: development ? 'development' : 'ceremony',
    ptau: {
      source: record.crs.source,
      power: Math.ceil(Math.log2(record.crs.points)),
      ...(record.crs.ptauSha256 !== undefined ? { sha256: record.crs.ptauSha256 } : {}),
    },
    // UltraHonk's whole setup is the CRS: "direct" from the development seed, or a ceremony's.
    zkeySetup: development ? 'dev-direct' : 'ceremony',
    ...(development ? { warning: DEVELOPMENT_SETUP_WARNING } : {}),
  }
}
