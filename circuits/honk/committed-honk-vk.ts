import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ArtifactError } from '../../core/index.js'
import type { HonkCircuitEntry } from '../honk-manifest.js'
import { honkVkJson, loadHonkVk, type UltraHonkKey } from '../ultrahonk/index.js'
import { BB_G2_FILE } from './write-bb-crs.js'

const committedDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'generated')

/** Where the build commits an UltraHonk circuit's key as JSON (the browser's copy of it). */
export function committedHonkVkPath(circuitId: string, dir = committedDir): string {
  return join(dir, `${circuitId}.honk-vk.json`)
}

/**
 * The build's step after bb wrote a circuit's key: its JSON (honkVkJson) with the tau·G2 of the
 * CRS in `crsDir` (the one `entry.crs` records), written to circuits/generated unless the file
 * already holds exactly that (Hardhat and git see no change then). Returns the path (Node only).
 */
export async function writeHonkVkJson(
  circuitId: string,
  entry: Pick<HonkCircuitEntry, 'crs' | 'notForProduction'>,
  vk: Uint8Array,
  crsDir: string,
  dir = committedDir,
): Promise<string> {
  const json = await honkVkJson(circuitId, vk, { ...entry.crs, g2: readFileSync(join(crsDir, BB_G2_FILE)) }, entry.notForProduction)
  const text = `${JSON.stringify(json, null, 2)}\n`
  const path = committedHonkVkPath(circuitId, dir)
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileSync(path, text)
  return path
}

/**
 * The verifier's key of a committed UltraHonk circuit, read from circuits/generated and checked
 * against circuits/honk-artifacts.json (loadHonkVk). Node only; a browser loads the same JSON itself.
 *
 * @throws {ArtifactError} when the file is missing or is not the manifest's key
 */
export async function readCommittedHonkVk(circuitId: string, dir = committedDir): Promise<UltraHonkKey> {
  const path = committedHonkVkPath(circuitId, dir)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ArtifactError(path, 'missing; run `npm run build:honk`', { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ArtifactError(path, 'not JSON', { cause: err })
  }
  return loadHonkVk(circuitId, json)
}
