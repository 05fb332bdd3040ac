import { createBatchProver } from '../../circuits/node.js'

/** Proves one batch with a committed circuit (Groth16 or UltraHonk); the default loads the circuit in this process. */
export type BatchProver = (
  circuitId: string,
  input: Record<string, string | string[]>,
) => Promise<{ proof: unknown; publicSignals: string[] }>

/** Proves in this process, loading each circuit once. */
export function createLocalProver(): BatchProver {
  return createBatchProver()
}
