import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ArtifactError } from '../../core/index.js'
import { getHonkCircuit, type HonkCircuitEntry } from '../honk-manifest.js'
import type { NoirProgram } from './compile-noir.js'
import { CrsError } from './crs-error.js'
import { assayCacheDir, devBbCrs } from './dev-bb-crs.js'
import { writeDevSeedCrs } from './write-dev-seed-crs.js'
import type { BbCrs } from './write-bb-crs.js'

const defaultBuildDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'circuits')

/** An UltraHonk circuit ready to prove: its program, key and reference string, each checked against the manifest. */
export interface HonkCircuit {
  circuitId: string
  entry: HonkCircuitEntry
  program: NoirProgram
  /** bb's verification key (target `evm`), the one the generated Solidity verifier holds. */
  vk: Uint8Array
  crs: BbCrs
}

export interface LoadHonkCircuitOptions {
  /** Where the build put the artifacts. Default: build/circuits in the project. */
  buildDir?: string
  /** The artifact cache (default as the build: ASSAY_CACHE_DIR, else ~/.cache/assay). */
  cacheDir?: string
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** sha256 of a program's ACIR bytecode: what the manifest records (the JSON around it holds paths). */
export function honkBytecodeSha256(program: NoirProgram): string {
  return sha256(Buffer.from(program.bytecode, 'base64'))
}

/**
 * Reads an UltraHonk circuit's compiled program and verification key from the build folder and
 * its development CRS from the cache, and checks each against circuits/honk-artifacts.json (Node
 * only), so a swapped program, key or reference string never proves silently.
 *
 * @throws {ArtifactError} when a file is missing or differs
 */
export async function loadHonkCircuit(circuitId: string, options: LoadHonkCircuitOptions = {}): Promise<HonkCircuit> {
  const entry = getHonkCircuit(circuitId)
  const dir = join(options.buildDir ?? defaultBuildDir, circuitId)
  const read = async (file: string): Promise<Buffer> => {
    try {
      return await readFile(join(dir, file))
    } catch (err) {
      throw new ArtifactError(join(dir, file), 'missing; run `npm run build:circuits`', { cause: err })
    }
  }
  const [programBytes, vk] = await Promise.all([read('program.json'), read('vk')])
  const program = JSON.parse(programBytes.toString('utf8')) as NoirProgram
  if (honkBytecodeSha256(program) !== entry.files.bytecode)
    throw new ArtifactError(join(dir, 'program.json'), `bytecode differs from the manifest (${entry.files.bytecode}); rebuild`)
  if (sha256(vk) !== entry.files.vk) throw new ArtifactError(join(dir, 'vk'), `differs from the manifest (${entry.files.vk}); rebuild`)
  if (entry.crs.source !== 'dev-seed')
    throw new ArtifactError(circuitId, 'a ceremony reference string is recorded, but only the development one can be loaded yet')
  const cacheDir = options.cacheDir ?? assayCacheDir()
  let crs: BbCrs
  try {
    crs = devBbCrs({ points: entry.crs.points, cacheDir })
  } catch (err) {
    if (!(err instanceof CrsError)) throw err
    // A machine that never built (an `assay worker` with a home of its own): the development CRS
    // is computed from the public seed, once, and checked against the manifest below like any other.
    try {
      crs = await writeDevSeedCrs(cacheDir, entry.crs.points)
    } catch (cause) {
      throw new ArtifactError(circuitId, `no reference string: ${(err as Error).message}`, { cause })
    }
  }
  if (crs.sha256 !== entry.crs.sha256)
    throw new ArtifactError(crs.dir, `reference string ${crs.sha256} is not the manifest's ${entry.crs.sha256}`)
  return { circuitId, entry, program, vk: new Uint8Array(vk), crs }
}
