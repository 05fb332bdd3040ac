import { ArtifactError } from '../core/index.js'
import b16 from './generated/sensor-stats-b16-v3-honk.honk-vk.json' with { type: 'json' }
import w16 from './generated/sensor-stats-16bit-b1152-v3-honk.honk-vk.json' with { type: 'json' }
import w24 from './generated/sensor-stats-24bit-b1152-v3-honk.honk-vk.json' with { type: 'json' }
import w32 from './generated/sensor-stats-32bit-b1128-v3-honk.honk-vk.json' with { type: 'json' }
import { loadHonkVk, type UltraHonkKey } from './ultrahonk/index.js'

// The build's keys of the committed UltraHonk circuits (circuits/generated/*.honk-vk.json), bundled
// so that Node and the browser verify with the same bytes and need neither the build folder nor the
// node's word. A circuit added to honk-artifacts.json must be added here (a test checks).
const committed: Readonly<Record<string, unknown>> = {
  'sensor-stats-b16-v3-honk': b16,
  'sensor-stats-16bit-b1152-v3-honk': w16,
  'sensor-stats-24bit-b1152-v3-honk': w24,
  'sensor-stats-32bit-b1128-v3-honk': w32,
}

const loaded = new Map<string, Promise<UltraHonkKey>>()

/**
 * The verification key of a committed UltraHonk circuit, checked by loadHonkVk against
 * circuits/honk-artifacts.json (its sha256 is the manifest's files.vk, the key an anchored UltraHonk
 * setup record names).
 *
 * @throws {ArtifactError} for a circuit without a committed key, or a key that is not the manifest's
 */
export function committedHonkKey(circuitId: string): Promise<UltraHonkKey> {
  const json = committed[circuitId]
  if (json === undefined) return Promise.reject(new ArtifactError(circuitId, 'no committed UltraHonk key'))
  let key = loaded.get(circuitId)
  if (key === undefined) {
    key = loadHonkVk(circuitId, json)
    // A failed load is not cached: the error is reported again, never a half-built key.
    key.catch(() => loaded.delete(circuitId))
    loaded.set(circuitId, key)
  }
  return key
}

/** Circuit ids with a committed UltraHonk key (for the test that every Honk circuit has one). */
export function committedHonkKeyIds(): string[] {
  return Object.keys(committed)
}
