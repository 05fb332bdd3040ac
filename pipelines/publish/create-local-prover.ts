import { createBatchProver, type ProveBatch } from '../../circuits/node.js'

/** Proves one batch with a committed circuit (Groth16 or UltraHonk): circuits' ProveBatch. */
export type BatchProver = ProveBatch

/** Proves in this process, loading each circuit once. */
export function createLocalProver(): BatchProver {
  return createBatchProver()
}
