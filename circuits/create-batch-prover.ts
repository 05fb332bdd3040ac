import { generateProof } from './generate-proof.js'
import { isHonkCircuit } from './honk-manifest.js'
import { loadHonkCircuit, type HonkCircuit } from './honk/load-honk-circuit.js'
import { proveHonkBatch } from './honk/prove-honk-batch.js'
import { loadCircuit, type LoadCircuitOptions } from './load-circuit.js'

/** Proves one batch with a committed circuit: a Groth16 proof object, or a HonkBatchProof for an UltraHonk circuit. */
export type ProveBatch = (
  circuitId: string,
  input: Record<string, string | string[]>,
) => Promise<{ proof: unknown; publicSignals: string[] }>

/**
 * A batch prover for every committed circuit, whatever its proof system: Groth16 circuits prove
 * with snarkjs, UltraHonk ones with their Noir program and native bb. Each circuit's artifacts are
 * loaded (and checked against the manifests) once, on first use (Node only).
 */
export function createBatchProver(options: LoadCircuitOptions = {}): ProveBatch {
  const groth16 = new Map<string, ReturnType<typeof loadCircuit>>()
  const honk = new Map<string, Promise<HonkCircuit>>()
  const once = <T>(cache: Map<string, Promise<T>>, id: string, load: () => Promise<T>): Promise<T> => {
    let loaded = cache.get(id)
    if (loaded === undefined) {
      cache.set(id, (loaded = load()))
      loaded.catch(() => cache.delete(id)) // a failed load (e.g. not built yet) is tried again next time
    }
    return loaded
  }
  return async (circuitId, input) => {
    if (isHonkCircuit(circuitId)) {
      const circuit = await once(honk, circuitId, () => loadHonkCircuit(circuitId, options))
      return proveHonkBatch(circuit, input)
    }
    return generateProof(await once(groth16, circuitId, () => loadCircuit(circuitId, options)), input)
  }
}
