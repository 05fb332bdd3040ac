import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ArtifactError } from '../core/index.js'
import type { SetupRecord } from './ceremony-record.js'

/**
 * Where the setup records of installed ceremonies are committed, one `<circuit id>.json` each: a
 * circuit with one is built from the ceremony's final zkey instead of a development key.
 */
export const committedCeremoniesDir = resolve(dirname(fileURLToPath(import.meta.url)), 'ceremonies')

/** Where an installed ceremony's final zkey is kept, by its sha256 (a build artifact: never in git). */
export function installedZkeyPath(cacheDir: string, sha256: string): string {
  return join(cacheDir, 'ceremonies', `${sha256}.zkey`)
}

/**
 * The setup record of the ceremony installed for a circuit, with its exact text (the build hashes
 * it), or undefined when none is.
 *
 * @throws {ArtifactError} when the file is not a finalized record of this circuit
 */
export function readInstalledCeremony(
  circuitId: string,
  options: { dir?: string } = {},
): { record: SetupRecord; text: string } | undefined {
  const path = join(options.dir ?? committedCeremoniesDir, `${circuitId}.json`)
  if (!existsSync(path)) return undefined
  const text = readFileSync(path, 'utf8')
  let record: SetupRecord
  try {
    record = JSON.parse(text) as SetupRecord
  } catch (err) {
    throw new ArtifactError(path, 'is not JSON', { cause: err })
  }
  if (record.format !== 'assay-setup-record-v1')
    throw new ArtifactError(path, `format ${String(record.format)} is not assay-setup-record-v1`)
  if (record.circuitId !== circuitId) throw new ArtifactError(path, `is the ceremony of ${record.circuitId}, not of ${circuitId}`)
  for (const field of ['r1csSha256', 'finalZkeySha256', 'vkeySha256'] as const)
    if (!/^[0-9a-f]{64}$/.test(String(record[field]))) throw new ArtifactError(path, `${field} is not a sha256`)
  if (!Array.isArray(record.contributions) || record.contributions.length === 0)
    throw new ArtifactError(path, 'records no contribution: a beacon alone leaves the key computable by anyone')
  return { record, text }
}
