import { getCircuitManifest, type CircuitManifestEntry } from './artifact-manifest.js'

/** What every report of proofs made under a development setup must say next to "valid". */
export const DEVELOPMENT_SETUP_WARNING = 'development setup: anyone can forge these proofs'

/**
 * Where a circuit's proving key came from. A development setup's secrets derive from a public
 * seed, so a proof under it shows only that someone ran the prover or knows the seed: `warning`
 * is then set, and every verdict that calls the proofs valid carries it.
 */
export interface CircuitSetup {
  kind: 'development' | 'ceremony'
  ptau: CircuitManifestEntry['ptau']
  zkeySetup: CircuitManifestEntry['zkeySetup']
  warning?: string
}

/** The setup the committed manifest records for `circuitId`. @throws {ArtifactError} for an unknown circuit. */
export function setupOf(circuitId: string): CircuitSetup {
  const entry = getCircuitManifest(circuitId)
  // Any one development step is enough to forge: a ceremony ptau with a direct zkey still leaks delta.
  const development = entry.ptau.source === 'dev-seed' || entry.zkeySetup === 'dev-direct' || entry.notForProduction
  return {
    kind: development ? 'development' : 'ceremony',
    ptau: { ...entry.ptau },
    zkeySetup: entry.zkeySetup,
    ...(development ? { warning: DEVELOPMENT_SETUP_WARNING } : {}),
  }
}
