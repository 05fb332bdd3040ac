import { groth16, type Groth16Proof, type PublicSignals } from 'snarkjs'
import { checkArtifact } from './artifact-manifest.js'

/** Groth16 verification key as exported by snarkjs. */
export type VerificationKey = Record<string, unknown> & { protocol: 'groth16'; nPublic: number }

/**
 * Verifies a Groth16 proof. Runs in Node and in browsers. Returns false for an invalid proof;
 * throws only for malformed input.
 */
export async function verifyProof(vkey: VerificationKey, publicSignals: PublicSignals, proof: Groth16Proof): Promise<boolean> {
  // snarkjs logs "Invalid proof" via the logger when given one; we only want the boolean.
  return groth16.verify(vkey, publicSignals, proof)
}

/** Parses vkey JSON after checking it against the committed manifest. */
export async function loadVerificationKey(circuitId: string, bytes: Uint8Array): Promise<VerificationKey> {
  await checkArtifact(circuitId, 'vkey', bytes)
  return JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey
}
