// Barretenberg's reference string from a snarkjs powers of tau, offline: bb and bb.js otherwise
// download Aztec's. Same tau as the ptau, so whoever trusts the ptau trusts this CRS.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CrsError } from './crs-error.js'
import { readPtauSection } from './read-ptau-section.js'

/** BN254 base field modulus. */
const Q = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n
/** R^-1 mod q for Montgomery form with R = 2^256 (snarkjs/ffjavascript store field elements as a·R). */
const R_INV = modPow(2n ** 256n % Q, Q - 2n, Q)
const N8 = 32

export const BB_G1_FILE = 'bn254_g1.dat'
export const BB_G2_FILE = 'bn254_g2.dat'
const STAMP_FILE = 'crs.sha256'

export interface WriteBbCrsOptions {
  /** How many G1 points (tau^0 … tau^(points−1)) to write; must be at most what the ptau holds. */
  points: number
}

export interface BbCrs {
  /** The folder to pass to `bb -c` (or bb.js's `crsPath`). */
  dir: string
  points: number
  /** sha256 over bn254_g1.dat then bn254_g2.dat. */
  sha256: string
  /** Whether the files were written now (false: found in place with the right hash). */
  written: boolean
}

/**
 * Writes `bn254_g1.dat` (64-byte points x‖y, big-endian, canonical: tau^i·G1 for i < points) and
 * `bn254_g2.dat` (tau·G2 as x.c0‖x.c1‖y.c0‖y.c1, big-endian) into `dir`, read from the ptau's
 * tauG1 (section 2) and tauG2 (section 3) sections, which snarkjs stores little-endian in
 * Montgomery form. A folder already holding this ptau's CRS with its recorded hash is kept as it is.
 *
 * @example const crs = writeBbCrs('pot14.ptau', cacheDir, { points: 8193 }) // then bb prove -c crs.dir
 */
export function writeBbCrs(ptauPath: string, dir: string, options: WriteBbCrsOptions): BbCrs {
  const { points } = options
  if (!Number.isInteger(points) || points < 2) throw new CrsError(`points: ${points} is not an integer ≥ 2`)
  const header = readPtauSection(ptauPath, 1, 0, 4 + N8 + 4)
  if (header.readUInt32LE(0) !== N8) throw new CrsError(`${ptauPath}: field size ${header.readUInt32LE(0)} is not BN254's`)
  const power = header.readUInt32LE(4 + N8)
  const available = 2 ** (power + 1) - 1
  if (points > available) throw new CrsError(`${ptauPath}: powers of tau 2^${power} hold ${available} G1 points; ${points} asked for`)
  const g2 = convertPoints(readPtauSection(ptauPath, 3, 4 * N8, 4 * N8), 4) // tauG2[1] = tau·G2
  // Kept when the recorded hash still holds and it is this ptau's tau (tau·G2 determines tau).
  const existing = readStamp(dir)
  if (existing?.points === points && hashCrs(dir) === existing.sha256 && g2.equals(readFileSync(join(dir, BB_G2_FILE)))) {
    return { dir, points, sha256: existing.sha256, written: false }
  }

  return writeCrsFiles(dir, points, convertPoints(readPtauSection(ptauPath, 2, 0, points * 2 * N8), 2), g2)
}

/**
 * The same CRS from its points themselves, as snarkjs/ffjavascript hold them (affine, little-endian
 * Montgomery): `g1` the first `points` powers tau^i·G1 (64 bytes each), `tauG2` tau·G2 (128 bytes).
 * For a tau the caller knows, e.g. the public development seed's (no powers-of-tau file needed).
 */
export function writeBbCrsFromPoints(dir: string, crs: { points: number; g1: Uint8Array; tauG2: Uint8Array }): BbCrs {
  const { points } = crs
  if (!Number.isInteger(points) || points < 2) throw new CrsError(`points: ${points} is not an integer ≥ 2`)
  if (crs.g1.length !== points * 2 * N8) throw new CrsError(`g1: ${crs.g1.length} bytes for ${points} points`)
  if (crs.tauG2.length !== 4 * N8) throw new CrsError(`tauG2: ${crs.tauG2.length} bytes, ${4 * N8} expected`)
  return writeCrsFiles(dir, points, convertPoints(Buffer.from(crs.g1), 2), convertPoints(Buffer.from(crs.tauG2), 4))
}

/** Writes both files through a temporary folder and records their hash (the stamp devBbCrs trusts). */
function writeCrsFiles(dir: string, points: number, g1: Buffer, g2: Buffer): BbCrs {
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `.tmp-${process.pid}`)
  mkdirSync(tmp, { recursive: true })
  try {
    writeFileSync(join(tmp, BB_G1_FILE), g1)
    writeFileSync(join(tmp, BB_G2_FILE), g2)
    for (const f of [BB_G1_FILE, BB_G2_FILE]) renameSync(join(tmp, f), join(dir, f))
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
  const sha256 = hashCrs(dir)
  if (sha256 === undefined) throw new CrsError(`${dir}: the CRS files vanished while being written`)
  writeFileSync(join(dir, STAMP_FILE), `${JSON.stringify({ points, sha256 })}\n`)
  return { dir, points, sha256, written: true }
}

/** An intact CRS folder of `points` points (its files hash to its stamp), or undefined. */
export function readIntactBbCrs(dir: string, points: number): BbCrs | undefined {
  const stamp = readStamp(dir)
  if (stamp?.points !== points || hashCrs(dir) !== stamp.sha256) return undefined
  return { dir, points, sha256: stamp.sha256, written: false }
}

/** Little-endian Montgomery field elements → big-endian canonical, `perPoint` elements per point. */
function convertPoints(raw: Buffer, perPoint: number): Buffer {
  const out = Buffer.alloc(raw.length)
  const count = raw.length / N8
  for (let i = 0; i < count; i++) {
    let mont = 0n
    for (let b = N8 - 1; b >= 0; b--) mont = (mont << 8n) | BigInt(raw[i * N8 + b] as number)
    if (mont >= Q) throw new CrsError(`point ${Math.floor(i / perPoint)}: coordinate not below the field modulus`)
    let v = (mont * R_INV) % Q
    for (let b = N8 - 1; b >= 0; b--) {
      out[i * N8 + b] = Number(v & 0xffn)
      v >>= 8n
    }
  }
  return out
}

function hashCrs(dir: string): string | undefined {
  const g1 = join(dir, BB_G1_FILE)
  const g2 = join(dir, BB_G2_FILE)
  if (!existsSync(g1) || !existsSync(g2)) return undefined
  return createHash('sha256').update(readFileSync(g1)).update(readFileSync(g2)).digest('hex')
}

function readStamp(dir: string): { points: number; sha256: string } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8')) as { points: number; sha256: string }
  } catch {
    return undefined
  }
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let result = 1n
  let base = b % m
  for (let x = e; x > 0n; x >>= 1n) {
    if (x & 1n) result = (result * base) % m
    base = (base * base) % m
  }
  return result
}
