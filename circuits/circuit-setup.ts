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

/**
 * The setup a manifest entry records. A ceremony is a ceremony ptau *and* a phase 2 with at least
 * one contribution: the build's own ceremony path (ASSAY_PTAU, then only the public beacon) leaves
 * delta computable by anyone, so it is as forgeable as the development seed.
 */
export function setupOfEntry(entry: CircuitManifestEntry): CircuitSetup {
  const contributed = (entry.phase2?.contributions ?? 0) > 0
  const development = entry.ptau.source !== 'ceremony' || entry.zkeySetup !== 'ceremony' || !contributed || entry.notForProduction
  return {
    kind: development ? 'development' : 'ceremony',
    ptau: { ...entry.ptau },
    zkeySetup: entry.zkeySetup,
    ...(development ? { warning: DEVELOPMENT_SETUP_WARNING } : {}),
  }
}

/** The setup the committed manifest records for `circuitId`. @throws {ArtifactError} for an unknown circuit. */
export function setupOf(circuitId: string): CircuitSetup {
  return setupOfEntry(getCircuitManifest(circuitId))
}
