import { generateProof } from '../../circuits/index.js'
import { loadCircuit } from '../../circuits/node.js'

/** Proves one batch; the default loads the circuit in this process. */
export type BatchProver = (
  circuitId: string,
  input: Record<string, string | string[]>,
) => Promise<{ proof: unknown; publicSignals: string[] }>

/** Proves in this process, loading each circuit once. */
export function createLocalProver(): BatchProver {
  const loaded = new Map<string, Awaited<ReturnType<typeof loadCircuit>>>()
  return async (circuitId, input) => {
    let circuit = loaded.get(circuitId)
    if (circuit === undefined) loaded.set(circuitId, (circuit = await loadCircuit(circuitId)))
    return generateProof(circuit, input)
  }
}
