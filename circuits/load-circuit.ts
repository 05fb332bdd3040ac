import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ArtifactError } from '../core/index.js'
import { checkArtifact, knownFlawOf, sha256Hex } from './artifact-manifest.js'
import type { ProvingArtifacts } from './generate-proof.js'
import type { VerificationKey } from './verify-proof.js'

const defaultBuildDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'circuits')
/** The verification keys the build generated and git holds: present before any circuit is built. */
const committedVkeyDir = resolve(dirname(fileURLToPath(import.meta.url)), 'generated')

export interface LoadCircuitOptions {
  /** Where `npm run build` put the artifacts. Default: build/circuits in the project. */
  buildDir?: string
}

/**
 * Reads a circuit's wasm, zkey and vkey from the build folder and checks each against the
 * committed manifest (Node only).
 *
 * @throws {ArtifactError} when a file is missing or its hash differs, or the circuit is retired.
 */
export async function loadCircuit(
  circuitId: string,
  options: LoadCircuitOptions = {},
): Promise<ProvingArtifacts & { vkey: VerificationKey }> {
  const flaw = knownFlawOf(circuitId)
  if (flaw !== undefined) throw new ArtifactError(circuitId, `retired (verify-only), nothing is proven with it again: ${flaw}`)
  const dir = join(options.buildDir ?? defaultBuildDir, circuitId)
  const read = async (file: string): Promise<Uint8Array> => {
    try {
      return new Uint8Array(await readFile(join(dir, file)))
    } catch (err) {
      throw new ArtifactError(join(dir, file), 'missing; run `npm run build`', { cause: err })
    }
  }
  const [wasm, zkey, vkeyBytes] = await Promise.all([read('main_js/main.wasm'), read('main.zkey'), read('vkey.json')])
  await checkArtifact(circuitId, 'wasm', wasm, join(dir, 'main_js/main.wasm'))
  await checkArtifact(circuitId, 'zkey', zkey, join(dir, 'main.zkey'))
  await checkArtifact(circuitId, 'vkey', vkeyBytes, join(dir, 'vkey.json'))
  return { circuitId, wasm, zkey, vkey: JSON.parse(new TextDecoder().decode(vkeyBytes)) as VerificationKey }
}

/**
 * Reads only a circuit's verification key (what verifiers need: no wasm or zkey), checked against
 * the committed manifest, with the sha256 a proof bundle names. By default the committed copy
 * (circuits/generated), so verifying never waits for a circuit build; with `buildDir`, the built one.
 *
 * @throws {ArtifactError}
 */
export async function loadCircuitVerificationKey(
  circuitId: string,
  options: LoadCircuitOptions = {},
): Promise<{ vkey: VerificationKey; vkeyHash: string }> {
  const path = options.buildDir === undefined ? committedVkeyPath(circuitId) : join(options.buildDir, circuitId, 'vkey.json')
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(await readFile(path))
  } catch (err) {
    throw new ArtifactError(path, 'missing; run `npm run build`', { cause: err })
  }
  await checkArtifact(circuitId, 'vkey', bytes, path)
  return { vkey: JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey, vkeyHash: await sha256Hex(bytes) }
}

/** Where git holds a circuit's generated verification key. */
export function committedVkeyPath(circuitId: string): string {
  return join(committedVkeyDir, `${circuitId}.vkey.json`)
}

/** Stops snarkjs's worker threads so the process can exit. */
export async function releaseProverThreads(): Promise<void> {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate()
  delete (globalThis as { curve_bn128?: unknown }).curve_bn128
}
