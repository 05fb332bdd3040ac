import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { HonkCircuitEntry } from '../honk-manifest.js'
import { honkVkJson } from '../ultrahonk/index.js'
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
