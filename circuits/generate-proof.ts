import { groth16, type CircuitSignals, type Groth16Proof, type PublicSignals } from 'snarkjs'
import { AssayError } from '../core/index.js'

/** A circuit's proving artifacts, already checked against the manifest. */
export interface ProvingArtifacts {
  circuitId: string
  wasm: Uint8Array
  zkey: Uint8Array
}

/** Witness generation failed: the inputs violate a circuit constraint. */
export class WitnessError extends AssayError {
  override readonly category = 'internal' as const
  readonly circuitId: string
  constructor(circuitId: string, message: string, options?: { cause?: unknown }) {
    super(`${circuitId}: ${message}`, options)
    this.name = 'WitnessError'
    this.circuitId = circuitId
  }
}

export interface GenerateProofOptions {
  /**
   * Prove on the calling thread only. Required inside a worker thread: snarkjs's own thread pool
   * cannot start there ("Worker is not a constructor"). Child processes need not set it.
   */
  singleThread?: boolean
}

/** Computes the witness and a Groth16 proof. @throws {WitnessError} when a constraint fails. */
export async function generateProof(
  artifacts: ProvingArtifacts,
  input: CircuitSignals,
  options: GenerateProofOptions = {},
): Promise<{ proof: Groth16Proof; publicSignals: PublicSignals }> {
  try {
    return await groth16.fullProve(input, artifacts.wasm, artifacts.zkey, undefined, undefined, {
      singleThread: options.singleThread === true,
    })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    throw new WitnessError(artifacts.circuitId, `inputs do not satisfy the circuit (${message.split('\n')[0]})`, { cause: err })
  }
}
