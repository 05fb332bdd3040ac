// Node-only part of circuits: reading artifacts from disk and releasing prover threads.
export { committedVkeyPath, loadCircuit, loadCircuitVerificationKey, releaseProverThreads } from './load-circuit.js'
export type { LoadCircuitOptions } from './load-circuit.js'
