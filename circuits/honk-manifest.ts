import { ArtifactError } from '../core/index.js'
import type { CommitmentScheme } from './commitment-scheme.js'
import honkJson from './honk-artifacts.json' with { type: 'json' }

/** How a circuit's batch proofs are made and checked. */
export type ProofSystem = 'groth16' | 'ultrahonk'

export const PROOF_SYSTEMS: readonly ProofSystem[] = ['groth16', 'ultrahonk']

/** What the build recorded for one UltraHonk circuit (circuits/honk-artifacts.json, generated). */
export interface HonkCircuitEntry {
  purpose: 'production' | 'test'
  /** The Noir project under circuits/noir. */
  noir: string
  /** The circom circuit whose statement (checks, public outputs, signed message) this one proves. */
  statement: string
  /** Template parameters [B, valueBits, timeBits, gapBits] when not the statement's. */
  params?: number[]
  /** The batch commitment, when not the statement's Poseidon(16) chain: poseidon2 is commitment v3. */
  commitment?: CommitmentScheme
  /** Name of the generated Solidity verifier contract (contracts/src/generated). */
  verifier: string
  /** bb's circuit size (gates after expanding black boxes). */
  gates: number
  /**
   * The structured reference string the verification key (and the verifier's pairing) is for:
   * `points` powers of tau in G1 plus tau·G2, written from a powers-of-tau file; sha256 over bb's
   * two files (writeBbCrs). dev-seed: the development ptau, whose tau is public.
   */
  crs: { source: 'dev-seed' | 'ceremony'; points: number; sha256: string; ptauSha256?: string }
  notForProduction: boolean
  /** sha256 of the program's ACIR bytecode (decoded from base64) and of bb's verification key. */
  files: { bytecode: string; vk: string }
}

const manifest = honkJson as unknown as { circuits: Record<string, HonkCircuitEntry> }

/** Whether `circuitId` is an UltraHonk circuit of the committed manifest. */
export function isHonkCircuit(circuitId: string): boolean {
  return Object.hasOwn(manifest.circuits, circuitId)
}

/** The committed entry of an UltraHonk circuit. @throws {ArtifactError} for an unknown id. */
export function getHonkCircuit(circuitId: string): HonkCircuitEntry {
  const entry = manifest.circuits[circuitId]
  if (entry === undefined) throw new ArtifactError(circuitId, 'unknown UltraHonk circuit id (not in circuits/honk-artifacts.json)')
  return entry
}

/** Every UltraHonk circuit of the committed manifest, by id. */
export function listHonkCircuits(): [string, HonkCircuitEntry][] {
  return Object.entries(manifest.circuits)
}

/** The proof system of a committed circuit id: UltraHonk when the Honk manifest has it, else Groth16. */
export function proofSystemOf(circuitId: string): ProofSystem {
  return isHonkCircuit(circuitId) ? 'ultrahonk' : 'groth16'
}

/**
 * The circuit that proves `statement` (a circom SensorStats circuit id) with `system`: the
 * statement itself for Groth16, its UltraHonk port otherwise. An UltraHonk id is its own answer
 * for ultrahonk. @throws {ArtifactError} when no circuit of that system proves the statement
 */
export function circuitForSystem(statement: string, system: ProofSystem): string {
  if (isHonkCircuit(statement)) {
    if (system === 'ultrahonk') return statement
    return getHonkCircuit(statement).statement
  }
  if (system === 'groth16') return statement
  const port = listHonkCircuits().find(([, e]) => e.statement === statement)
  if (port === undefined)
    throw new ArtifactError(statement, 'no UltraHonk port of this circuit is committed (circuits/honk-artifacts.json)')
  return port[0]
}

/** The circom statement a circuit proves: its own id for a Groth16 circuit, the ported one's for UltraHonk. */
export function statementOf(circuitId: string): string {
  return isHonkCircuit(circuitId) ? getHonkCircuit(circuitId).statement : circuitId
}
