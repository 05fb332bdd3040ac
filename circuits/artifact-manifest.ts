import { ArtifactError } from '../core/index.js'
import manifestJson from './artifacts.json' with { type: 'json' }

/** What the build recorded for one circuit (circuits/artifacts.json, generated). */
export interface CircuitManifestEntry {
  /**
   * production: what publishing uses; test: small circuits for the test suite; protocol: a
   * statement the contracts verify themselves (key-transfer-v1), always built, never chosen for
   * statistics; retired: verify-only (never built or proven with again), kept so datasets proven
   * with it stay checkable.
   */
  purpose: 'production' | 'test' | 'protocol' | 'retired'
  /** Why a retired circuit was retired: every verifier reports it with the verdict. */
  knownFlaw?: string
  /** Name of the generated Solidity verifier contract (contracts/src/generated). */
  verifier: string
  template: string
  params: number[]
  publicInputs: string[]
  constraints: number
  publicSignals: number
  /**
   * dev-seed: every secret (tau, alpha, beta, delta) from a public seed, the key computed directly
   * from them (scripts/dev-zkey.ts); anyone can forge proofs under it. ceremony: a powers of tau
   * file (its sha256), then a phase-2 beacon.
   */
  ptau: { power: number; source: 'dev-seed' | 'ceremony'; sha256?: string }
  zkeySetup: 'dev-direct' | 'ceremony'
  /** The phase-2 ceremony behind a 'ceremony' key: its contributions (none: only the public beacon). */
  phase2?: { contributions: number }
  notForProduction: boolean
  files: Record<ArtifactKind, string>
}

export type ArtifactKind = 'r1cs' | 'wasm' | 'zkey' | 'vkey'

const manifest = manifestJson as unknown as { circuits: Record<string, CircuitManifestEntry> }

/** The committed manifest entry for `circuitId`. @throws {ArtifactError} for an unknown circuit. */
export function getCircuitManifest(circuitId: string): CircuitManifestEntry {
  const entry = manifest.circuits[circuitId]
  if (entry === undefined) throw new ArtifactError(circuitId, 'unknown circuit id (not in circuits/artifacts.json)')
  return entry
}

/**
 * The known soundness flaw of a retired circuit (undefined for a current one): a verdict on proofs
 * made with it must say so, since they may state what the data does not hold.
 */
export function knownFlawOf(circuitId: string): string | undefined {
  const entry = getCircuitManifest(circuitId)
  return entry.purpose === 'retired' ? (entry.knownFlaw ?? 'retired') : undefined
}

/** Every circuit of the committed manifest, by id. */
export function listCircuits(): [string, CircuitManifestEntry][] {
  return Object.entries(manifest.circuits)
}

/** Lowercase hex sha256, via WebCrypto so it runs in browsers and Node alike. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Checks artifact bytes against the committed manifest before they are used for proving or
 * verifying, so a swapped zkey or wasm can never produce or accept proofs silently.
 *
 * @throws {ArtifactError} when the hash differs.
 */
export async function checkArtifact(
  circuitId: string,
  kind: ArtifactKind,
  bytes: Uint8Array,
  label = `${circuitId}/${kind}`,
): Promise<void> {
  const expected = getCircuitManifest(circuitId).files[kind]
  const actual = await sha256Hex(bytes)
  if (actual !== expected) {
    throw new ArtifactError(label, `sha256 ${actual} does not match the manifest (${expected}); rebuild with \`npm run build\``)
  }
}
