import { AssayError, type Manifest } from '../core/index.js'
import { checkBatchSequence } from './check-batch-sequence.js'
import { checkProvenSeries, type FiledBatch } from './check-proven-series.js'
import { misstatedSeries } from './dataset-stats.js'
import { ManifestProofMismatchError } from './manifest-proof-mismatch-error.js'
import {
  BundleVerificationError,
  verifyProofBundle,
  type BundleVerification,
  type HonkProofVerifier,
  type ProofBundle,
} from './proof-bundle.js'
import { parsePublicSignals, PublicSignalsError } from './public-signals.js'
import { knownFlawOf } from './artifact-manifest.js'
import type { CircuitSetup } from './circuit-setup.js'
import { assertVkeyOfRecord, canonicalJson, circuitMismatch, setupOfRecord, type SlotSetupRecord } from './anchored-setup-record.js'
import { committedHonkKey } from './committed-honk-key.js'
import { committedKeyHashOf } from './committed-key-hash.js'
import { proofSystemOf, statementOf } from './honk-manifest.js'
import { buildHonkSetupRecord, HONK_SETUP_RECORD_FORMAT } from './honk-setup-record.js'
import { SetupRecordMismatchError } from './setup-record-mismatch-error.js'
import { deviceKeyFault, InvalidDeviceKeyError } from './babyjub.js'
import { circuitVersion } from './circuit-version.js'
import { deviceIdOf } from './device-key.js'
import { sensorStatsParams } from './sensor-stats-params.js'
import type { UltraHonkKey } from './ultrahonk/index.js'
import type { Curve, VerificationKey } from './verify-proof.js'

/**
 * A dataset's proofs against its manifest. `error` says why they fail, a named error whose message
 * names the series and batch (ManifestProofMismatchError, BatchSequenceError, PublicSignalsError,
 * BatchRangeMismatchError, BatchOrderError, BundleVerificationError, or ArtifactError/BatchInputError
 * for a circuit that is not a SensorStats one); `misstated` names a stated statistic the proofs
 * contradict.
 */
export type DatasetProofsCheck =
  | { ok: false; error: AssayError }
  | {
      ok: true
      verdict: BundleVerification
      misstated?: { series: number; field: string }
      /**
       * Set when the proofs were made with a retired circuit: its known soundness flaw. The proofs
       * verify, but they may state what the data does not hold; every report of them must say so.
       */
      knownFlaw?: string
      /**
       * The setup of the circuit the proofs were verified with. With `setup.warning` (a development
       * setup) the proofs verify, yet anyone could have made them: every report calling them valid
       * must carry the warning.
       */
      setup: CircuitSetup
    }

/**
 * What the node's catalog and the auditor both check of a dataset's proofs. First, the verification
 * key is the one the circuit's anchored setup record holds (SetupRecordMismatchError). Then, from the public
 * signals alone (cheap, so a misstated dataset fails before a thousand proofs are verified): the
 * manifest names the verification key the artifacts pin and the bundle's circuit; every batch's
 * outputs lie within its circuit's bounds; the batches are the manifest's series in order, each
 * exactly batches 0..n−1 in order; every batch proves its series' id and device and counted
 * in-range readings in the series' stated valid range; a series' batches share one band, follow
 * each other in time and add up to its count, first and last time; the proven commitments are
 * the manifest's; with circuit v2, each series id is the one the manifest's metric, unit, encoding
 * and nonce give, and each series ends with its device's end marker. Then every batch proof verifies, the commitments rebuild the anchored root and
 * every signer is one of the manifest's devices; and (reported separately) the manifest's
 * statistics are the proofs' outputs.
 */
export async function verifyDatasetProofs(
  manifest: Manifest,
  bundle: ProofBundle,
  options: {
    /** A Groth16 circuit's verification key (an UltraHonk circuit's key is in its installed verifier). */
    vkey?: VerificationKey
    /** sha256 of the key: the vkey JSON's, or bb's key bytes for UltraHonk (proofKeyOf gives both). */
    vkeyHash: string
    /**
     * The setup record anchored for the manifest's circuit (readSlotSetupRecord): the key used
     * must be its key, and the verdict reports its setup.
     */
    setupRecord: SlotSetupRecord
    /**
     * An UltraHonk circuit's key (proofKeyOf gives the committed one): every proof is verified here
     * by the TypeScript UltraHonk verifier, batched.
     */
    honkKey?: UltraHonkKey
    /**
     * Without `honkKey`: verifies an UltraHonk proof with the verifier installed in the dataset's
     * registry slot (e.g. ChainClient.honkVerify, an eth_call), one proof at a time.
     */
    honkVerifier?: HonkProofVerifier
    anchoredRoot: bigint
    /** Batch proofs verified so far, e.g. for a progress bar. */
    onProgress?: (done: number, total: number) => void
    /** The curve proofs are verified on (verifyProofBundle's `curve`); only speed depends on it. */
    curve?: () => Promise<Curve>
  },
): Promise<DatasetProofsCheck> {
  try {
    const record = options.setupRecord
    if (record.circuitId !== manifest.proofs.circuitId) throw circuitMismatch(record.circuitId, manifest.proofs.circuitId)
    const system = proofSystemOf(manifest.proofs.circuitId)
    const stated = manifest.proofs.proofSystem ?? 'groth16'
    if (stated !== system)
      throw new ManifestProofMismatchError(
        { field: 'proofs.proofSystem', stated, proven: system },
        `the manifest says its proofs are ${stated}, but circuit ${manifest.proofs.circuitId} is proven with ${system}`,
      )
    if (record.format === HONK_SETUP_RECORD_FORMAT) {
      if (system !== 'ultrahonk') throw circuitMismatch(`${record.circuitId} (an UltraHonk record)`, manifest.proofs.circuitId)
      // Everything in an UltraHonk record follows from the committed build (its CRS, program and
      // key): a record saying anything else (a "ceremony" CRS for the development key) is not ours.
      const [committed, anchored] = [canonicalJson(buildHonkSetupRecord(record.circuitId)), canonicalJson(record)]
      if (anchored !== committed)
        throw new SetupRecordMismatchError('record', committed, anchored, {
          message: `the UltraHonk setup record anchored for ${record.circuitId} is not the one its committed build gives`,
        })
      if (options.vkeyHash !== record.files.vk)
        throw new SetupRecordMismatchError('files.vk', record.files.vk, options.vkeyHash, {
          message: `verification key ${options.vkeyHash} is not the anchored setup record's (${record.files.vk})`,
        })
    } else {
      if (options.vkey === undefined)
        throw new SetupRecordMismatchError('vkey', record.files.vkey, 'none', { message: 'no Groth16 verification key was given' })
      await assertVkeyOfRecord(record, options.vkey, options.vkeyHash)
    }
    await checkStatements(manifest, bundle, options.vkeyHash)
  } catch (err) {
    if (err instanceof AssayError) return { ok: false, error: err }
    throw err
  }
  const verdict = await verifyProofBundle(bundle, {
    ...(options.vkey !== undefined ? { vkey: options.vkey } : {}),
    ...(options.honkKey !== undefined ? { honkKey: options.honkKey } : {}),
    ...(options.honkVerifier !== undefined ? { honkVerifier: options.honkVerifier } : {}),
    vkeyHash: options.vkeyHash,
    expectedRoot: options.anchoredRoot,
    allowedDevices: new Set(manifest.devices.map((d) => BigInt(d.deviceId))),
    ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
    ...(options.curve !== undefined ? { curve: options.curve } : {}),
  })
  if (!verdict.ok) return { ok: false, error: new BundleVerificationError(verdict.problems) }
  const misstated = misstatedSeries(manifest.stats, manifest.series, verdict.series)
  const knownFlaw = knownFlawOf(statementOf(manifest.proofs.circuitId))
  return {
    ok: true,
    verdict,
    ...(misstated !== undefined ? { misstated } : {}),
    ...(knownFlaw !== undefined ? { knownFlaw } : {}),
    setup: setupOfRecord(options.setupRecord),
  }
}

/** Everything the bundle's public signals must say of the manifest, before any proof is verified. @throws the first failure */
async function checkStatements(manifest: Manifest, bundle: ProofBundle, vkeyHash: string): Promise<void> {
  const { circuitId } = manifest.proofs
  if (manifest.proofs.vkeyHash !== vkeyHash)
    throw new ManifestProofMismatchError(
      { field: 'proofs.vkeyHash', stated: manifest.proofs.vkeyHash, proven: vkeyHash },
      `the manifest names verification key ${manifest.proofs.vkeyHash}, the artifacts pin ${vkeyHash}`,
    )
  if (bundle.circuitId !== circuitId)
    throw new ManifestProofMismatchError(
      { field: 'proofs.circuitId', stated: circuitId, proven: bundle.circuitId },
      `the proof bundle is for circuit ${bundle.circuitId}, the manifest names ${circuitId}`,
    )
  await checkDevices(manifest)
  const limits = sensorStatsParams(circuitId)
  const filed: FiledBatch[] = bundle.batches.map((b) => {
    try {
      return { series: b.series, signals: parsePublicSignals(b.publicSignals, limits) }
    } catch (err) {
      throw new PublicSignalsError(`series ${b.series} batch ${b.index}: ${(err as Error).message}`, { cause: err })
    }
  })
  checkBatchSequence(
    manifest.series.length,
    filed.map((f) => ({ series: f.series, batchIndex: f.signals.batchIndex })),
  )
  await checkProvenSeries(manifest, filed, { version: circuitVersion(circuitId) })
  const stated = manifest.commitments.batches
  // A batch listed twice (e.g. a whole series repeated under another index) would count twice.
  const seen = new Map<string, number>()
  stated.forEach((c, position) => {
    const first = seen.get(c)
    if (first !== undefined)
      throw new ManifestProofMismatchError(
        { field: 'commitments.batches', stated: c, proven: `positions ${first} and ${position}` },
        `batch commitment ${c} is listed twice (positions ${first} and ${position}): a batch would be counted twice`,
      )
    seen.set(c, position)
  })
  if (stated.length !== filed.length)
    throw new ManifestProofMismatchError(
      { field: 'commitments.batches', stated: String(stated.length), proven: String(filed.length) },
      `the manifest lists ${stated.length} batch commitments, the bundle proves ${filed.length} batches`,
    )
  filed.forEach((f, position) => {
    if (BigInt(stated[position]!) !== f.signals.commitment)
      throw ManifestProofMismatchError.of(
        {
          series: f.series,
          batch: Number(f.signals.batchIndex),
          field: 'commitments.batches',
          stated: stated[position]!,
          proven: String(f.signals.commitment),
        },
        'commitment',
      )
  })
}

/**
 * Every device the manifest lists is a device key (on the curve, in the prime-order subgroup, the
 * rule the circuit and DeviceRegistry apply) and its id is Poseidon of that key, so the key list a
 * buyer reads is the keys that signed. @throws {ManifestProofMismatchError} naming the device and its series.
 */
async function checkDevices(manifest: Manifest): Promise<void> {
  for (const [i, d] of manifest.devices.entries()) {
    const key = [BigInt(d.publicKey.x), BigInt(d.publicKey.y)] as const
    const uses = manifest.series.flatMap((s, k) => (s.deviceId === d.deviceId ? [k] : []))
    const who = `device ${i}${d.label !== undefined ? ` (${d.label})` : ''}${uses.length > 0 ? ` of series ${uses.join(', ')}` : ''}`
    const fault = deviceKeyFault(key)
    if (fault !== undefined) {
      const cause = new InvalidDeviceKeyError(key, fault)
      throw new ManifestProofMismatchError(
        { field: `devices.${i}.publicKey`, stated: `(${d.publicKey.x}, ${d.publicKey.y})`, proven: fault },
        `${who}: ${cause.message}`,
      )
    }
    const id = await deviceIdOf(key[0], key[1])
    if (String(id) !== d.deviceId)
      throw new ManifestProofMismatchError(
        { field: `devices.${i}.deviceId`, stated: d.deviceId, proven: String(id) },
        `${who}: its id ${d.deviceId} is not Poseidon of its public key (${id})`,
      )
  }
}

/**
 * The key a verifier of `circuitId`'s proofs uses: a Groth16 circuit's from `loadGroth16` (the
 * committed or served vkey, checked against the artifact manifest); an UltraHonk circuit's is the
 * committed one (committedHonkKey, checked against the committed Honk manifest), with its hash.
 */
export async function proofKeyOf(
  circuitId: string,
  loadGroth16: (circuitId: string) => Promise<{ vkey: VerificationKey; vkeyHash: string }>,
): Promise<{ vkey?: VerificationKey; honkKey?: UltraHonkKey; vkeyHash: string }> {
  if (proofSystemOf(circuitId) !== 'ultrahonk') return loadGroth16(circuitId)
  return { honkKey: await committedHonkKey(circuitId), vkeyHash: committedKeyHashOf(circuitId) }
}
