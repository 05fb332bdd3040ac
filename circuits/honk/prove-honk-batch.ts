import { createBbProver, type BbProver } from './bb-prover.js'
import { executeNoir } from './execute-noir.js'
import { findBbBinary } from './find-bb-binary.js'
import type { HonkCircuit } from './load-honk-circuit.js'
import { sensorStatsNoirInput } from './sensor-stats-noir-input.js'

/** A batch's UltraHonk proof as a proof bundle stores it: bb's proof bytes (target evm), base64. */
export interface HonkBatchProof {
  protocol: 'ultrahonk'
  curve: 'bn128'
  proof: string
}

export interface ProveHonkBatchOptions {
  /** Default: a bb prover over the circuit's CRS (the native bb that @aztec/bb.js ships). */
  prover?: BbProver
}

/**
 * Proves one SensorStatsV2 batch (prepareBatch's circom input) with the circuit's Noir program and
 * native bb: the Noir inputs and hints from the same input (sensorStatsNoirInput), the witness by
 * noir_js, the proof against the verification key the build recorded. The public signals are
 * bb's public inputs as decimal strings, in circom's order.
 *
 * @throws {NoirWitnessError} when the input breaks the statement (no witness exists)
 */
export async function proveHonkBatch(
  circuit: HonkCircuit,
  input: Record<string, unknown>,
  options: ProveHonkBatchOptions = {},
): Promise<{ proof: HonkBatchProof; publicSignals: string[] }> {
  const prover = options.prover ?? createBbProver({ bb: findBbBinary(), crsDir: circuit.crs.dir, crsPoints: circuit.crs.points })
  const { witness } = await executeNoir(circuit.program, sensorStatsNoirInput(input))
  const proved = await prover.prove(circuit.program, witness, 'evm', { vk: circuit.vk, gates: circuit.entry.gates })
  const words = proved.publicInputs
  const publicSignals = Array.from({ length: words.length / 32 }, (_, i) =>
    BigInt(`0x${Buffer.from(words.subarray(32 * i, 32 * i + 32)).toString('hex')}`).toString(),
  )
  return { proof: { protocol: 'ultrahonk', curve: 'bn128', proof: Buffer.from(proved.proof).toString('base64') }, publicSignals }
}
