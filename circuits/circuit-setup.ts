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
 * The setup these facts describe. A ceremony is a ceremony ptau *and* a ceremony phase 2 with at
 * least one contribution besides the beacon: the build's own ceremony path (ASSAY_PTAU, then only
 * the public beacon) leaves delta computable by anyone, so it is as forgeable as the development
 * seed. The one rule for the committed manifest (setupOfEntry) and anchored records (setupOfRecord).
 */
export function setupFrom(facts: {
  ptau: CircuitSetup['ptau']
  zkeySetup: CircuitSetup['zkeySetup']
  contributions: number
  notForProduction?: boolean
}): CircuitSetup {
  const { ptau, zkeySetup, contributions } = facts
  const development = ptau.source !== 'ceremony' || zkeySetup !== 'ceremony' || contributions === 0 || facts.notForProduction === true
  return {
    kind: development ? 'development' : 'ceremony',
    ptau: { ...ptau },
    zkeySetup,
    ...(development ? { warning: DEVELOPMENT_SETUP_WARNING } : {}),
  }
}

/** The setup a manifest entry records (see setupFrom). */
export function setupOfEntry(entry: CircuitManifestEntry): CircuitSetup {
  return setupFrom({
    ptau: entry.ptau,
    zkeySetup: entry.zkeySetup,
    contributions: entry.phase2?.contributions ?? 0,
    notForProduction: entry.notForProduction,
  })
}

/** A verdict calling proofs valid, with the setup's warning when there is one (it must never go without it). */
export function withSetupWarning(verdict: string, setup: CircuitSetup): string {
  return setup.warning !== undefined ? `${verdict} — ${setup.warning}` : verdict
}

/** The setup the committed manifest records for `circuitId`. @throws {ArtifactError} for an unknown circuit. */
export function setupOf(circuitId: string): CircuitSetup {
  return setupOfEntry(getCircuitManifest(circuitId))
}
