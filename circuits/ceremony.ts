// A Groth16 phase-2 trusted-setup ceremony on one circuit, as files in one directory: the circuit's
// r1cs, the zkey after each contribution and a transcript (ceremony.json). The directory travels
// from contributor to contributor; anyone holding it and the powers of tau can check every step.
// Proofs are sound if at least one contributor destroyed their randomness (which never touches disk).
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as snarkjs from 'snarkjs'
import { CeremonyStateError } from './ceremony-state-error.js'
import { CeremonyVerificationError } from './ceremony-verification-error.js'
import { KNOWN_PTAU_CEREMONIES } from './known-ptau-ceremonies.js'
import { installedZkeyPath } from './installed-ceremony.js'
import type { AnchoredSetupRecord } from './anchored-setup-record.js'
import { listCircuits, type CircuitManifestEntry } from './artifact-manifest.js'
import type { SetupRecord } from './ceremony-record.js'
import { SetupRecordMismatchError } from './setup-record-mismatch-error.js'
import {
  CEREMONY_FILES,
  checkCeremonyFiles,
  checkRecordKey,
  compareTranscriptWithRecord,
  latestZkey,
  parseTranscript,
  snarkjsCeremonySnark,
  snarkjsVerifyFromR1cs,
  type BeaconRecord,
  type CeremonyFile,
  type CeremonySnark,
  type CeremonyFiles,
  type CeremonyTranscript,
  type ContributionRecord,
  type PtauRecord,
  type SnarkjsFile,
} from './ceremony-transcript.js'

export type { BeaconRecord, CeremonyTranscript, ContributionRecord, PtauRecord } from './ceremony-transcript.js'

/** The snarkjs calls a ceremony makes (`snarkjs.zKey`), injectable so tests can count or fake them. */
export interface CeremonyBackend {
  newZKey(r1cs: string, ptau: string, zkey: string): Promise<unknown>
  /** Returns the contribution hash (64 bytes). */
  contribute(previous: string, next: string, name: string, entropy: string): Promise<Uint8Array>
  /** `iterationsExp`: the beacon hashes 2^iterationsExp times. Returns the contribution hash, or false on bad input. */
  beacon(previous: string, next: string, name: string, beaconHash: string, iterationsExp: number): Promise<Uint8Array | false>
  /** True when every contribution in the zkey follows from the powers of tau and the circuit. */
  verifyFromR1cs(r1cs: SnarkjsFile, ptau: SnarkjsFile, zkey: SnarkjsFile): Promise<boolean>
  exportVerificationKey(zkey: SnarkjsFile): Promise<unknown>
  exportSolidityVerifier(zkey: string): Promise<string>
}

/** The real thing: snarkjs 0.7's zKey functions and its Groth16 Solidity template. */
export const snarkjsCeremonyBackend: CeremonyBackend = {
  newZKey: (r1cs, ptau, zkey) => snarkjs.zKey.newZKey(r1cs, ptau, zkey) as Promise<unknown>,
  contribute: (previous, next, name, entropy) => snarkjs.zKey.contribute(previous, next, name, entropy) as Promise<Uint8Array>,
  beacon: (previous, next, name, hash, exp) => snarkjs.zKey.beacon(previous, next, name, hash, exp) as Promise<Uint8Array | false>,
  verifyFromR1cs: snarkjsVerifyFromR1cs,
  exportVerificationKey: (zkey) => snarkjsCeremonySnark.exportVerificationKey(zkey),
  exportSolidityVerifier: async (zkey) => {
    const template = await readFile(
      fileURLToPath(new URL('../node_modules/snarkjs/templates/verifier_groth16.sol.ejs', import.meta.url)),
      'utf8',
    )
    return (await snarkjs.zKey.exportSolidityVerifier(zkey, { groth16: template })) as string
  },
}

export interface CeremonyOptions {
  backend?: CeremonyBackend
  now?: () => Date
}

const { transcript: TRANSCRIPT, record: RECORD, vkey: VKEY } = CEREMONY_FILES

/** The hashes and power of a ptau file, and the public ceremony it comes from (by its published blake2b-512). */
export async function describePtau(path: string): Promise<PtauRecord> {
  const [sha256, blake2b512] = await Promise.all([hashFile(path, 'sha256'), hashFile(path, 'blake2b512')])
  const power = await ptauPower(path)
  const known = KNOWN_PTAU_CEREMONIES.find((k) => k.blake2b512 === blake2b512)
  return {
    path: resolve(path),
    sha256,
    blake2b512,
    power,
    ceremony: known?.ceremony ?? 'unknown ceremony',
    ...(known !== undefined ? { knownAs: known.file } : {}),
  }
}

/** Copies a ptau file into `dir` beside a JSON record of its hashes and ceremony; returns the record. */
export async function importPtau(file: string, dir: string): Promise<PtauRecord> {
  await mkdir(dir, { recursive: true })
  const target = join(dir, basename(file))
  if (resolve(file) !== resolve(target)) {
    await copyFile(file, `${target}.tmp`)
    await rename(`${target}.tmp`, target)
  }
  const record = await describePtau(target)
  await writeJson(`${target}.json`, record)
  return record
}

/** Starts a ceremony in `dir`: copies the r1cs, makes the initial zkey (no contribution yet) and the transcript. */
export async function startCeremony(
  input: { circuitId: string; r1cs: string; ptau: string; dir: string },
  options: CeremonyOptions = {},
): Promise<CeremonyTranscript> {
  const backend = options.backend ?? snarkjsCeremonyBackend
  const dir = input.dir
  await mkdir(dir, { recursive: true })
  if (await exists(join(dir, TRANSCRIPT))) throw new CeremonyStateError(`${dir} already holds a ceremony (${TRANSCRIPT})`)
  const ptau = await describePtau(input.ptau)
  await copyFile(input.r1cs, join(dir, 'circuit.r1cs'))
  const initial = 'circuit_0000.zkey'
  await backend.newZKey(join(dir, 'circuit.r1cs'), ptau.path, join(dir, initial))
  // snarkjs reports a too-small ptau only in its log and leaves an empty (or no) zkey.
  if (!(await exists(join(dir, initial))) || (await stat(join(dir, initial))).size === 0) {
    throw new CeremonyStateError(`${input.circuitId}: no initial zkey: is the ptau (2^${ptau.power}) large enough for this circuit?`)
  }
  const transcript: CeremonyTranscript = {
    format: 'assay-setup-transcript-v1',
    circuitId: input.circuitId,
    r1cs: { file: 'circuit.r1cs', sha256: await hashFile(join(dir, 'circuit.r1cs'), 'sha256') },
    ptau,
    initial: { file: initial, sha256: await hashFile(join(dir, initial), 'sha256') },
    contributions: [],
  }
  await writeJson(join(dir, TRANSCRIPT), transcript)
  return transcript
}

/** Adds one contribution with 64 bytes of OS entropy (never written anywhere) and appends it to the transcript. */
export async function contributeToCeremony(
  dir: string,
  name: string,
  options: CeremonyOptions & { entropy?: () => Buffer } = {},
): Promise<ContributionRecord> {
  const backend = options.backend ?? snarkjsCeremonyBackend
  const transcript = await readTranscript(dir)
  if (transcript.beacon !== undefined)
    throw new CeremonyStateError(`${dir}: the beacon is applied; the ceremony takes no more contributions`)
  if (name.trim() === '') throw new CeremonyStateError('a contribution needs a name')
  const previous = latestZkey(transcript)
  const index = transcript.contributions.length + 1
  const file = `circuit_${String(index).padStart(4, '0')}.zkey`
  const hash = await writeZkey(dir, file, (tmp) =>
    backend.contribute(join(dir, previous), tmp, name, (options.entropy ?? (() => randomBytes(64)))().toString('hex')),
  )
  const record: ContributionRecord = {
    index,
    name,
    file,
    sha256: await hashFile(join(dir, file), 'sha256'),
    contributionHash: hex(hash),
    at: (options.now ?? (() => new Date()))().toISOString(),
  }
  transcript.contributions.push(record)
  await writeJson(join(dir, TRANSCRIPT), transcript)
  return record
}

/** Applies the public random beacon (a hex value nobody knew before the last contribution) as the final contribution. */
export async function applyBeacon(
  dir: string,
  beaconHash: string,
  iterationsExp: number,
  options: CeremonyOptions = {},
): Promise<BeaconRecord> {
  const backend = options.backend ?? snarkjsCeremonyBackend
  const transcript = await readTranscript(dir)
  if (transcript.beacon !== undefined) throw new CeremonyStateError(`${dir}: the beacon is already applied`)
  if (transcript.contributions.length === 0)
    throw new CeremonyStateError(`${dir}: no contribution yet; a beacon alone keeps the setup public`)
  if (!/^([0-9a-fA-F]{2})+$/.test(beaconHash)) throw new CeremonyStateError(`beacon hash must be hex bytes, got ${beaconHash}`)
  // snarkjs's own bounds: fewer iterations make the beacon cheap to grind, more never finish.
  if (!Number.isInteger(iterationsExp) || iterationsExp < 10 || iterationsExp > 63) {
    throw new CeremonyStateError(`beacon iterations must be an exponent from 10 to 63 (2^N hashes), got ${iterationsExp}`)
  }
  const file = 'circuit_final.zkey'
  const hash = await writeZkey(dir, file, async (tmp) => {
    const result = await backend.beacon(join(dir, latestZkey(transcript)), tmp, 'final beacon', beaconHash, iterationsExp)
    if (result === false) throw new CeremonyStateError(`${dir}: snarkjs refused the beacon`)
    return result
  })
  const record: BeaconRecord = {
    hash: beaconHash.toLowerCase(),
    iterationsExp,
    file,
    sha256: await hashFile(join(dir, file), 'sha256'),
    contributionHash: hex(hash),
    at: (options.now ?? (() => new Date()))().toISOString(),
  }
  transcript.beacon = record
  await writeJson(join(dir, TRANSCRIPT), transcript)
  return record
}

/**
 * Checks a ceremony end to end: every file against its recorded sha256, then the latest zkey's
 * whole chain of contributions against the powers of tau and the circuit (snarkjs verifyFromR1cs),
 * and, once finalized, the setup record against the exported key. Throws CeremonyVerificationError.
 */
export async function verifyCeremony(dir: string, options: CeremonyOptions & { ptau?: string } = {}): Promise<CeremonyTranscript> {
  const backend = options.backend ?? snarkjsCeremonyBackend
  const transcript = await readTranscript(dir)
  const files = ceremonyDirectory(dir)
  const ptau = options.ptau ?? transcript.ptau.path
  await checkCeremonyFiles(transcript, files, ceremonyFileOnDisk(ptau), (r1cs, p, zkey) => backend.verifyFromR1cs(r1cs, p, zkey))
  const latest = latestZkey(transcript)
  if (await exists(join(dir, RECORD))) {
    const record = JSON.parse(await readFile(join(dir, RECORD), 'utf8')) as SetupRecord
    await checkAgainstSetupRecord(record, { vkey: join(dir, VKEY), zkey: join(dir, latest) })
  }
  return transcript
}

/**
 * Verifies the ceremony, then exports the verification key and the Solidity verifier and writes
 * the setup record. Needs the beacon: without it the last contributor alone could bias the key.
 */
export async function finalizeCeremony(
  dir: string,
  options: CeremonyOptions & { ptau?: string; verifierName?: string } = {},
): Promise<SetupRecord> {
  const backend = options.backend ?? snarkjsCeremonyBackend
  const transcript = await verifyCeremony(dir, options)
  const beacon = transcript.beacon
  if (beacon === undefined) throw new CeremonyStateError(`${dir}: apply the beacon before finalizing`)
  const vkey = await backend.exportVerificationKey(join(dir, beacon.file))
  await writeFile(join(dir, VKEY), `${JSON.stringify(vkey, null, 2)}\n`)
  const verifierName = options.verifierName ?? 'Groth16Verifier'
  const sol = (await backend.exportSolidityVerifier(join(dir, beacon.file))).replace(/contract Groth16Verifier/, `contract ${verifierName}`)
  const verifierFile = `${verifierName}.sol`
  await writeFile(join(dir, verifierFile), sol)
  const { path: _path, ...ptau } = transcript.ptau
  const record: SetupRecord = {
    format: 'assay-setup-record-v1',
    circuitId: transcript.circuitId,
    r1csSha256: transcript.r1cs.sha256,
    ptau,
    contributions: transcript.contributions.map((c) => ({ name: c.name, contributionHash: c.contributionHash })),
    beacon: { hash: beacon.hash, iterationsExp: beacon.iterationsExp, contributionHash: beacon.contributionHash },
    finalZkeySha256: beacon.sha256,
    vkeySha256: await hashFile(join(dir, VKEY), 'sha256'),
    verifier: { file: verifierFile, sha256: await hashFile(join(dir, verifierFile), 'sha256') },
    createdAt: (options.now ?? (() => new Date()))().toISOString(),
  }
  await writeJson(join(dir, RECORD), record)
  return record
}

/** Throws SetupRecordMismatchError unless the verification key (and the zkey, if given) are the record's. */
export async function checkAgainstSetupRecord(record: SetupRecord, files: { vkey: string; zkey?: string }): Promise<void> {
  const vkey = await hashFile(files.vkey, 'sha256')
  if (vkey !== record.vkeySha256) throw new SetupRecordMismatchError('vkeySha256', record.vkeySha256, vkey)
  if (files.zkey !== undefined) {
    const zkey = await hashFile(files.zkey, 'sha256')
    if (zkey !== record.finalZkeySha256) throw new SetupRecordMismatchError('finalZkeySha256', record.finalZkeySha256, zkey)
  }
}

/**
 * Whether a ceremony is the one an anchored setup record describes: the same circuit and
 * constraint system, powers of tau, contributions in order, beacon and final zkey, and the record's
 * verification key the one its final zkey yields. Cheap (hashes, JSON and one key export): it does
 * not verify the contributions; `checkCeremonyAgainstRecord` (ceremony-transcript.ts) does both.
 *
 * @throws {CeremonyStateError} when the ceremony has no beacon yet
 * @throws {SetupRecordMismatchError} naming the first field that differs
 */
export async function compareCeremonyWithRecord(dir: string, anchored: AnchoredSetupRecord, options: CeremonyOptions = {}): Promise<void> {
  const transcript = await readTranscript(dir)
  if (transcript.beacon === undefined) throw new CeremonyStateError(`${dir}: the ceremony has no beacon yet: it is not finished`)
  compareTranscriptWithRecord(transcript, anchored)
  await checkRecordKey(join(dir, transcript.beacon.file), anchored, snarkOf(options))
}

function snarkOf(options: CeremonyOptions): CeremonySnark {
  const backend = options.backend ?? snarkjsCeremonyBackend
  return {
    verifyFromR1cs: (r1cs, ptau, zkey) => backend.verifyFromR1cs(r1cs, ptau, zkey),
    exportVerificationKey: (zkey) => backend.exportVerificationKey(zkey),
  }
}

/**
 * Installs a finalized ceremony's key into this build, after checking the whole ceremony again
 * (the directory may come from another machine): its final zkey goes into the cache under its
 * sha256 and its setup record into `ceremoniesDir` (committed), where the circuit build takes it
 * up instead of a development key. Only for a circuit of this build's catalog, on its constraint
 * system, and never for a retired one.
 *
 * @throws {CeremonyVerificationError} when a file or contribution does not check out
 * @throws {CeremonyStateError} when the ceremony is not finalized or its circuit is not buildable
 * @throws {SetupRecordMismatchError} when the ceremony was run on another constraint system
 */
export async function installCeremony(
  dir: string,
  options: CeremonyOptions & {
    ptau?: string
    ceremoniesDir: string
    cacheDir: string
    /** The build's circuits (default: the committed artifact manifest's). */
    circuits?: [string, Pick<CircuitManifestEntry, 'purpose' | 'files'>][]
  },
): Promise<{ record: SetupRecord; recordPath: string; zkeyPath: string }> {
  const transcript = await verifyCeremony(dir, options)
  if (!(await exists(join(dir, RECORD)))) throw new CeremonyStateError(`${dir}: finalize the ceremony before installing it`)
  const record = JSON.parse(await readFile(join(dir, RECORD), 'utf8')) as SetupRecord
  const entry = (options.circuits ?? listCircuits()).find(([id, e]) => id === record.circuitId && e.purpose !== 'retired')?.[1]
  const r1cs = entry?.files.r1cs
  if (r1cs === undefined) throw new CeremonyStateError(`circuit ${record.circuitId} is not one this build proves with (unknown or retired)`)
  if (record.r1csSha256 !== r1cs)
    throw new SetupRecordMismatchError('r1csSha256', record.r1csSha256, r1cs, {
      message: `the ceremony was run on constraint system ${record.r1csSha256}, but this build's ${record.circuitId} is ${r1cs}`,
    })
  if (record.contributions.length === 0)
    throw new CeremonyStateError(`${dir}: a ceremony without a contribution besides the beacon is no ceremony`)
  const zkeyPath = installedZkeyPath(options.cacheDir, record.finalZkeySha256)
  await mkdir(dirname(zkeyPath), { recursive: true })
  await writeZkey(dirname(zkeyPath), basename(zkeyPath), (tmp) => copyFile(join(dir, latestZkey(transcript)), tmp))
  if ((await hashFile(zkeyPath, 'sha256')) !== record.finalZkeySha256)
    throw new CeremonyVerificationError(`${zkeyPath}: the copy is not the recorded final zkey`, { file: zkeyPath })
  await mkdir(options.ceremoniesDir, { recursive: true })
  const recordPath = join(options.ceremoniesDir, `${record.circuitId}.json`)
  await writeJson(recordPath, record)
  return { record, recordPath, zkeyPath }
}

/** Reads a ceremony's transcript; a missing or foreign one is a CeremonyStateError. */
export function readTranscript(dir: string): Promise<CeremonyTranscript> {
  return parseTranscript(ceremonyDirectory(dir), dir)
}

/** A ceremony directory on disk, as the shared checks (ceremony-transcript.ts) read one. */
export function ceremonyDirectory(dir: string): CeremonyFiles {
  return {
    text: (name) => readFile(join(dir, name), 'utf8').catch(() => undefined),
    file: (name) => fileOnDisk(join(dir, name)),
  }
}

function fileOnDisk(path: string): CeremonyFile {
  return { sha256: () => hashFile(path, 'sha256'), open: () => Promise.resolve(path) }
}

/** A file on disk (an auditor's powers of tau) as the shared checks read one, named by its path. */
export function ceremonyFileOnDisk(path: string): CeremonyFile & { name: string } {
  return { name: path, ...fileOnDisk(path) }
}

/** Lets `make` write to a temporary name, then moves it into place: a crash never leaves a half zkey under its real name. */
async function writeZkey<T>(dir: string, file: string, make: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = join(dir, `.${file}.tmp`)
  try {
    const result = await make(tmp)
    if (!(await exists(tmp)) || (await stat(tmp)).size === 0) throw new CeremonyStateError(`${dir}: snarkjs wrote no ${file}`)
    await rename(tmp, join(dir, file))
    return result
  } finally {
    await rm(tmp, { force: true })
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`)
  await rename(`${path}.tmp`, path)
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

async function hashFile(path: string, algorithm: 'sha256' | 'blake2b512'): Promise<string> {
  const h = createHash(algorithm)
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer)
  return h.digest('hex')
}

/** The power a ptau file holds: magic "ptau", version, section count, then section 1 (header): n8, prime, power. */
async function ptauPower(path: string): Promise<number> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(128)
    const { bytesRead } = await fh.read(head, 0, head.length, 0)
    if (bytesRead < 28 || head.toString('latin1', 0, 4) !== 'ptau') throw new CeremonyStateError(`${path} is not a ptau file`)
    // Section 1 is written first by snarkjs: type (u32), size (u64), then n8 (u32), prime (n8 bytes), power (u32).
    if (head.readUInt32LE(12) !== 1) throw new CeremonyStateError(`${path}: the header is not the first section`)
    const n8 = head.readUInt32LE(24)
    if (28 + n8 + 4 > bytesRead) throw new CeremonyStateError(`${path}: header too short`)
    return head.readUInt32LE(28 + n8)
  } finally {
    await fh.close()
  }
}
