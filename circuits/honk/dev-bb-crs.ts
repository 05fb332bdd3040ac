import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { CrsError } from './crs-error.js'
import { readIntactBbCrs, writeBbCrs, type BbCrs } from './write-bb-crs.js'

export interface DevBbCrsOptions {
  /** G1 points needed (at least the circuit's dyadic size). */
  points: number
  /** Default `ASSAY_CACHE_DIR`, else `$XDG_CACHE_HOME/assay` or `~/.cache/assay` (as the circuit build). */
  cacheDir?: string
}

/**
 * The CRS of the development powers of tau the circuit build caches (`npm run build:circuits --
 * --ptau N` writes `<cache>/ptau/assay-dev-seed-potN.ptau` and its sha256), written once into
 * `<cache>/honk-crs/<ptau sha256>-<points>/` and reused while its hash matches. The smallest cached
 * ptau with enough points is used. NOT FOR PRODUCTION: the development tau is public.
 */
export function devBbCrs(options: DevBbCrsOptions): BbCrs & { ptau: string } {
  const cacheDir = options.cacheDir ?? assayCacheDir()
  const ptauDir = join(cacheDir, 'ptau')
  const candidates = (existsSync(ptauDir) ? readdirSync(ptauDir) : [])
    .map((f) => /^assay-dev-seed-pot(\d+)\.ptau$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: join(ptauDir, m[0]), power: Number(m[1]) }))
    .filter((p) => 2 ** (p.power + 1) - 1 >= options.points && existsSync(`${p.path}.sha256`))
    .sort((a, b) => a.power - b.power)
  const ptau = candidates[0]
  // Without a ptau: a CRS the build wrote from the development seed itself (dev-seed-<P>, the
  // smallest intact one of at least `points` points: bb reads the first points it needs).
  const fromSeed = ptau === undefined ? seedCrsOf(cacheDir, options.points) : undefined
  if (fromSeed !== undefined) return { ...fromSeed, ptau: '' }
  if (ptau === undefined) {
    const power = Math.max(10, Math.ceil(Math.log2(options.points + 1)) - 1)
    throw new CrsError(
      `no development powers of tau with ${options.points} G1 points in ${ptauDir} and no CRS written from the seed: run npm run build:honk (or npm run build:circuits -- --ptau ${power})`,
    )
  }
  const sha = readFileSync(`${ptau.path}.sha256`, 'utf8').trim()
  const crs = writeBbCrs(ptau.path, join(cacheDir, 'honk-crs', `${sha.slice(0, 16)}-${options.points}`), { points: options.points })
  return { ...crs, ptau: ptau.path }
}

/** The artifact cache the circuit builds use: ASSAY_CACHE_DIR, else `$XDG_CACHE_HOME/assay` or `~/.cache/assay`. */
export function assayCacheDir(): string {
  return process.env.ASSAY_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'assay')
}

/** Where the build writes the development CRS of `points` points computed from the seed (no ptau). */
export function devSeedCrsDir(cacheDir: string, points: number): string {
  return join(cacheDir, 'honk-crs', `dev-seed-${points}`)
}

function seedCrsOf(cacheDir: string, points: number): BbCrs | undefined {
  const dir = join(cacheDir, 'honk-crs')
  const sizes = (existsSync(dir) ? readdirSync(dir) : [])
    .map((f) => /^dev-seed-(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .filter((p) => p >= points)
    .sort((a, b) => a - b)
  for (const size of sizes) {
    const crs = readIntactBbCrs(devSeedCrsDir(cacheDir, size), size)
    if (crs !== undefined) return crs
  }
  return undefined
}
