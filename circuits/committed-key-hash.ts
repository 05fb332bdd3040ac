import { getCircuitManifest } from './artifact-manifest.js'
import { getHonkCircuit, isHonkCircuit } from './honk-manifest.js'

/** sha256 of the committed verification key of a circuit of either system (the hash manifests and bundles name). */
export function committedKeyHashOf(circuitId: string): string {
  return isHonkCircuit(circuitId) ? getHonkCircuit(circuitId).files.vk : getCircuitManifest(circuitId).files.vkey
}
