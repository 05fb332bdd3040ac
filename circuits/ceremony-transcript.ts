// A ceremony's transcript and the checks that need only its files' bytes, so that Node (files on
// disk) and the browser (files the auditor picked, never uploaded) run the same code.
import { zKey } from 'snarkjs'
import { canonicalJson, type AnchoredSetupRecord } from './anchored-setup-record.js'
import { sha256Hex } from './artifact-manifest.js'
import { CeremonyStateError } from './ceremony-state-error.js'
import { CeremonyVerificationError } from './ceremony-verification-error.js'
import { SetupRecordMismatchError } from './setup-record-mismatch-error.js'

/** What is known about a powers-of-tau file: its hashes, its power and the public ceremony it matches, if any. */
export interface PtauRecord {
  path: string
  sha256: string
  blake2b512: string
  power: number
  /** The public ceremony whose published hash matches, or `unknown ceremony`. */
  ceremony: string
  /** The published file name the hash matched. */
  knownAs?: string
}

export interface ContributionRecord {
  index: number
  name: string
  file: string
  sha256: string
  contributionHash: string
  at: string
}

export interface BeaconRecord {
  hash: string
  iterationsExp: number
  file: string
  sha256: string
  contributionHash: string
  at: string
}

/** ceremony.json: every file of the ceremony with its hash, in order. */
export interface CeremonyTranscript {
  format: 'assay-setup-transcript-v1'
  circuitId: string
  r1cs: { file: string; sha256: string }
  ptau: PtauRecord
  initial: { file: string; sha256: string }
  contributions: ContributionRecord[]
  beacon?: BeaconRecord
}

/** The files of a ceremony directory by name. */
export const CEREMONY_FILES = {
  transcript: 'ceremony.json',
  record: 'setup-record.json',
  vkey: 'verification_key.json',
} as const

/** What snarkjs opens: a path (Node) or the bytes themselves (a browser). */
export type SnarkjsFile = string | { type: 'mem'; data: Uint8Array }

/** One file as the checks read it. */
export interface CeremonyFile {
  sha256(): Promise<string>
  open(): Promise<SnarkjsFile>
}

/** A ceremony directory, wherever its files are: `file(name)` is undefined for a file it lacks. */
export interface CeremonyFiles {
  text(name: string): Promise<string | undefined>
  file(name: string): CeremonyFile | undefined
}

/** snarkjs's check that every contribution of a zkey follows from the powers of tau and the circuit. */
export type VerifyFromR1cs = (r1cs: SnarkjsFile, ptau: SnarkjsFile, zkey: SnarkjsFile) => Promise<boolean>

export const snarkjsVerifyFromR1cs: VerifyFromR1cs = (r1cs, ptau, zkey) =>
  (zKey.verifyFromR1cs as (a: SnarkjsFile, b: SnarkjsFile, c: SnarkjsFile) => Promise<boolean>)(r1cs, ptau, zkey)

/** The snarkjs calls an auditor's check of a ceremony makes. */
export interface CeremonySnark {
  verifyFromR1cs: VerifyFromR1cs
  exportVerificationKey(zkey: SnarkjsFile): Promise<unknown>
}

export const snarkjsCeremonySnark: CeremonySnark = {
  verifyFromR1cs: snarkjsVerifyFromR1cs,
  exportVerificationKey: (zkey) => (zKey.exportVerificationKey as (z: SnarkjsFile) => Promise<unknown>)(zkey),
}

/** The transcript of a ceremony directory; a missing or foreign one is a CeremonyStateError. */
export async function parseTranscript(files: Pick<CeremonyFiles, 'text'>, where: string): Promise<CeremonyTranscript> {
  let transcript: CeremonyTranscript
  try {
    const text = await files.text(CEREMONY_FILES.transcript)
    if (text === undefined) throw new Error('missing')
    transcript = JSON.parse(text) as CeremonyTranscript
  } catch (err) {
    throw new CeremonyStateError(`${where}: no readable ${CEREMONY_FILES.transcript} (start the ceremony with \`assay setup start\`)`, {
      cause: err,
    })
  }
  if (transcript.format !== 'assay-setup-transcript-v1')
    throw new CeremonyStateError(`${where}/${CEREMONY_FILES.transcript}: unknown format ${String(transcript.format)}`)
  return transcript
}

/** The newest zkey of a transcript: the beacon's, else the last contribution's, else the initial one. */
export function latestZkey(t: CeremonyTranscript): string {
  return t.beacon?.file ?? t.contributions.at(-1)?.file ?? t.initial.file
}

/**
 * Checks a ceremony's files: each against the sha256 its transcript recorded, the powers of tau
 * against the transcript's, then the newest zkey's whole chain of contributions against the powers
 * of tau and the circuit (snarkjs verifyFromR1cs). `ptau` is the auditor's copy.
 *
 * @throws {CeremonyVerificationError} naming the first file that does not check out
 */
export async function checkCeremonyFiles(
  transcript: CeremonyTranscript,
  files: CeremonyFiles,
  ptau: CeremonyFile & { name: string },
  verifyFromR1cs: VerifyFromR1cs = snarkjsVerifyFromR1cs,
): Promise<Map<string, CeremonyFile>> {
  const recorded = [transcript.r1cs, transcript.initial, ...transcript.contributions, ...(transcript.beacon ? [transcript.beacon] : [])]
  const opened = new Map<string, CeremonyFile>()
  for (const f of recorded) {
    const file = files.file(f.file)
    const actual = await (file?.sha256() ?? Promise.reject(new Error('missing'))).catch((err: unknown) => {
      throw new CeremonyVerificationError(`${f.file}: cannot be read`, { file: f.file, cause: err })
    })
    if (actual !== f.sha256)
      throw new CeremonyVerificationError(`${f.file}: sha256 ${actual} is not the transcript's ${f.sha256}`, { file: f.file })
    opened.set(f.file, file!)
  }
  const ptauSha = await ptau.sha256().catch((err: unknown) => {
    throw new CeremonyVerificationError(`powers of tau ${ptau.name} cannot be read (pass its path)`, { file: ptau.name, cause: err })
  })
  if (ptauSha !== transcript.ptau.sha256)
    throw new CeremonyVerificationError(`powers of tau ${ptau.name}: sha256 ${ptauSha} is not the transcript's ${transcript.ptau.sha256}`, {
      file: ptau.name,
    })
  const latest = latestZkey(transcript)
  let ok: boolean
  try {
    ok = await verifyFromR1cs(await opened.get(transcript.r1cs.file)!.open(), await ptau.open(), await opened.get(latest)!.open())
  } catch (err) {
    throw new CeremonyVerificationError(`${latest}: cannot be checked: ${(err as Error).message}`, { file: latest, cause: err })
  }
  if (!ok)
    throw new CeremonyVerificationError(`${latest}: its contributions do not follow from the powers of tau and the circuit`, {
      file: latest,
    })
  return opened
}

/**
 * Requires a ceremony's transcript to be the one an anchored setup record describes: the same
 * circuit and r1cs, ptau, contributions in order, beacon and final zkey. The key is checked apart
 * (checkRecordKey): a transcript cannot vouch for it.
 *
 * @throws {SetupRecordMismatchError} naming the first field that differs
 */
export function compareTranscriptWithRecord(transcript: CeremonyTranscript, anchored: AnchoredSetupRecord): void {
  same('circuitId', anchored.circuitId, transcript.circuitId)
  same('files.r1cs', anchored.files.r1cs, transcript.r1cs.sha256)
  same('ptau.source', anchored.ptau.source, 'ceremony')
  same('ptau.sha256', anchored.ptau.sha256, transcript.ptau.sha256)
  same('phase2.setup', anchored.phase2.setup, 'ceremony')
  same(
    'phase2.contributions',
    anchored.phase2.contributions,
    transcript.contributions.map((c) => ({ name: c.name, contributionHash: c.contributionHash })),
  )
  const beacon = transcript.beacon
  same(
    'phase2.beacon',
    anchored.phase2.beacon,
    beacon && { hash: beacon.hash, iterationsExp: beacon.iterationsExp, contributionHash: beacon.contributionHash },
  )
  same('files.zkey', anchored.files.zkey, beacon?.sha256)
}

/**
 * Requires the record's verification key to be the one the ceremony's final zkey yields (exported
 * here, never read from a file beside it: such a file could be any key).
 *
 * @throws {SetupRecordMismatchError} with field `vkey`
 */
export async function checkRecordKey(
  finalZkey: SnarkjsFile,
  anchored: AnchoredSetupRecord,
  snark: CeremonySnark = snarkjsCeremonySnark,
): Promise<void> {
  same('vkey', anchored.vkey, await snark.exportVerificationKey(finalZkey))
}

/**
 * The auditor's check of a setup, end to end: the transcript is the one the anchored record
 * describes (cheap, so first), every file and contribution verifies against the auditor's powers
 * of tau and the circuit, and the record's key is the final zkey's.
 *
 * @throws {CeremonyStateError} when the directory holds no transcript or no beacon yet
 * @throws {SetupRecordMismatchError} naming the first field that differs from the record
 * @throws {CeremonyVerificationError} naming the first file that does not verify
 */
export async function checkCeremonyAgainstRecord(
  files: CeremonyFiles,
  ptau: (transcript: CeremonyTranscript) => CeremonyFile & { name: string },
  anchored: AnchoredSetupRecord,
  options: { where: string; snark?: CeremonySnark },
): Promise<CeremonyTranscript> {
  const snark = options.snark ?? snarkjsCeremonySnark
  const transcript = await parseTranscript(files, options.where)
  if (transcript.beacon === undefined) throw new CeremonyStateError(`${options.where}: the ceremony has no beacon yet: it is not finished`)
  compareTranscriptWithRecord(transcript, anchored)
  const opened = await checkCeremonyFiles(transcript, files, ptau(transcript), snark.verifyFromR1cs)
  await checkRecordKey(await opened.get(transcript.beacon.file)!.open(), anchored, snark)
  return transcript
}

function same(field: string, anchoredValue: unknown, ceremonyValue: unknown): void {
  const [a, c] = [canonicalJson(anchoredValue ?? null), canonicalJson(ceremonyValue ?? null)]
  if (a !== c)
    throw new SetupRecordMismatchError(field, a, c, {
      message: `the anchored setup record's ${field} is ${a.slice(0, 200)}, the ceremony's is ${c.slice(0, 200)}`,
    })
}

/**
 * One file held in memory, or a Blob (a File an auditor picked in a browser, read only when a
 * check needs it), as the checks read it.
 */
export function ceremonyFileInMemory(name: string, content: Uint8Array | Blob): CeremonyFile & { name: string } {
  const bytes = async (): Promise<Uint8Array> => (content instanceof Uint8Array ? content : new Uint8Array(await content.arrayBuffer()))
  return { name, sha256: async () => sha256Hex(await bytes()), open: async () => ({ type: 'mem', data: await bytes() }) }
}

/** A ceremony directory held in memory (or as the Files of a folder a browser picked), by file name. */
export function ceremonyFilesInMemory(files: ReadonlyMap<string, Uint8Array | Blob>): CeremonyFiles {
  return {
    text: async (name) => {
      const content = files.get(name)
      if (content === undefined) return undefined
      return content instanceof Uint8Array ? new TextDecoder().decode(content) : content.text()
    },
    file: (name) => {
      const content = files.get(name)
      return content === undefined ? undefined : ceremonyFileInMemory(name, content)
    },
  }
}
