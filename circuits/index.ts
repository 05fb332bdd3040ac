// Circuits: artifact manifest, JS mirrors of what circuits compute, Groth16 prove/verify.
// Browser-safe; the Node-only loader sits behind circuits/node.ts.
export { checkArtifact, getCircuitManifest, knownFlawOf, listCircuits, sha256Hex } from './artifact-manifest.js'
export type { ArtifactKind, CircuitManifestEntry } from './artifact-manifest.js'
export {
  circuitForSystem,
  getHonkCircuit,
  isHonkCircuit,
  listHonkCircuits,
  PROOF_SYSTEMS,
  proofSystemOf,
  statementOf,
} from './honk-manifest.js'
export { committedKeyHashOf } from './committed-key-hash.js'
export { committedHonkKey, committedHonkKeyIds } from './committed-honk-key.js'
export type { HonkCircuitEntry, ProofSystem } from './honk-manifest.js'
export { DEVELOPMENT_SETUP_WARNING, setupFrom, setupOf, setupOfEntry, withSetupWarning } from './circuit-setup.js'
export type { CircuitSetup } from './circuit-setup.js'
export {
  ANCHORED_SETUP_RECORD_FORMAT,
  assertVkeyOfRecord,
  buildSetupRecord,
  canonicalJson,
  encodeSetupRecord,
  readAnchoredSetupRecord,
  readSlotSetupRecord,
  readSetupRecordOfSlot,
  SetupRecordFormatError,
  setupOfRecord,
  setupRecordCid,
  setupRecordDigest,
} from './anchored-setup-record.js'
export type { AnchoredSetupRecord, SlotSetupRecord } from './anchored-setup-record.js'
export { buildHonkSetupRecord, HONK_SETUP_RECORD_FORMAT, isHonkSetupRecord, setupOfHonkRecord } from './honk-setup-record.js'
export type { HonkSetupRecord } from './honk-setup-record.js'
export { SetupRecordMismatchError } from './setup-record-mismatch-error.js'
export { SetupRecordMissingError } from './setup-record-missing-error.js'
export { computeKeyCommitment, getPoseidon, InvalidKeyError, splitKey } from './key-commitment.js'
export { buyerKeyFromSeed, checkBuyerPublicKey, InvalidBuyerKeyError } from './buyer-key.js'
export type { BuyerKey, BuyerKeyFault } from './buyer-key.js'
export { encryptKeyForBuyer } from './encrypt-key-for-buyer.js'
export type { EncryptedKey, EncryptKeyForBuyerOptions, KeyTransferInput } from './encrypt-key-for-buyer.js'
export { decryptKeyTransfer } from './decrypt-key-transfer.js'
export type { KeyTransfer } from './decrypt-key-transfer.js'
export { KeyTransferError } from './key-transfer-error.js'
export type { KeyTransferFault } from './key-transfer-error.js'
export { KEY_TRANSFER_DOMAIN, keyTransferPads } from './key-transfer-pads.js'
export { KEY_TRANSFER_CIRCUIT, keyTransferPublicSignals } from './key-transfer-public-signals.js'
export type { KeyTransferPublicInputs } from './key-transfer-public-signals.js'
export { generateProof, WitnessError } from './generate-proof.js'
export type { GenerateProofOptions, ProvingArtifacts } from './generate-proof.js'
export { loadVerificationKey, verifyProof } from './verify-proof.js'
export type { Curve, VerificationKey } from './verify-proof.js'
export { DEFAULT_CHUNK_SIZE, verifyProofsBatched } from './verify-proofs-batched.js'
export type { BatchedVerifyOptions, ProofToVerify } from './verify-proofs-batched.js'
export {
  BB_G2_BYTES,
  DEFAULT_ULTRAHONK_CHUNK_SIZE,
  HONK_VK_BYTES,
  HONK_VK_COMMITMENTS,
  HONK_VK_FORMAT,
  honkProofLayout,
  honkVkBytes,
  honkVkJson,
  loadHonkVk,
  PAIRING_POINTS_SIZE,
  parseBbG2,
  parseHonkProof,
  parseHonkVk,
  ultraHonkKey,
  UltraHonkVerifyError,
  verifyUltraHonk,
  verifyUltraHonkBatch,
} from './ultrahonk/index.js'
export type {
  G1Point,
  G2Point,
  HonkProof,
  HonkVerificationKey,
  HonkVkCommitment,
  HonkVkJson,
  UltraHonkBatchOptions,
  UltraHonkKey,
  UltraHonkProofToVerify,
  UltraHonkPublicInputs,
  VerifyUltraHonkOptions,
} from './ultrahonk/index.js'

/** Circuit id of the key-commitment circuit (recorded in proofs and on-chain). */
export const KEY_COMMITMENT_CIRCUIT = 'key-commitment-v1'
export { BatchInputError } from './batch-input-error.js'
export { sensorStatsParams } from './sensor-stats-params.js'
export type { SensorStatsParams } from './sensor-stats-params.js'
export { circuitVersion } from './circuit-version.js'
export { narrowestValueBits, selectSensorStatsCircuit, VALUE_WIDTHS } from './select-sensor-stats-circuit.js'
export { assertBatch } from './assert-batch.js'
export type { BatchReadings } from './assert-batch.js'
export { commitmentV3Tag, computeBatchCommitment } from './compute-batch-commitment.js'
export type { CommitmentScheme } from './commitment-scheme.js'
export { poseidon2Hash, poseidon2Permutation } from './poseidon2.js'
export { computeBatchStats } from './compute-batch-stats.js'
export type { BatchStats } from './compute-batch-stats.js'
export { createDeviceKey, deviceIdOf, deviceKeyFromPrivate } from './device-key.js'
export type { DeviceKey } from './device-key.js'
export { BATCH_DOMAIN, batchMessage, signBatch, verifyBatchSignature } from './batch-signature.js'
export type { BatchSignature, BatchStatement } from './batch-signature.js'
export { cutBatches } from './cut-batches.js'
export { expectedPublicSignals, prepareBatch } from './prepare-batch.js'
export type { PreparedBatch, PrepareBatchOptions } from './prepare-batch.js'
export {
  BatchOrderError,
  BatchRangeMismatchError,
  combineBatchStats,
  computeDatasetRoot,
  decodeSeriesStats,
  misstatedSeries,
  proveBatchInclusion,
} from './dataset-stats.js'
export type { DecodedSeriesStats, ProvenBatch, SeriesTotals, StatedStats } from './dataset-stats.js'
export {
  BundleVerificationError,
  honkProofBytes,
  MAX_HONK_PROOF_BYTES,
  parseProofBundle,
  ProofBundleError,
  proofBundleSchema,
  verifyProofBundle,
} from './proof-bundle.js'
export type {
  BundleBatch,
  BundleProblem,
  BundleVerification,
  Groth16BundleBatch,
  Groth16BundleProof,
  HonkBundleProof,
  HonkProofVerifier,
  ProofBundle,
  VerifyBundleOptions,
} from './proof-bundle.js'
export {
  PACKED_LAYOUT,
  packPublicSignals,
  parsePublicSignals,
  PUBLIC_SIGNAL_NAMES,
  PublicSignalsError,
  SNARK_FIELD,
} from './public-signals.js'
export type { BatchPublicSignals, OutputLimits } from './public-signals.js'
export { provenBatchSummaries } from './proven-batch-summaries.js'
export type { ProvenBatchSummary } from './proven-batch-summaries.js'
export {
  assertDeviceKey,
  BASE8,
  DEVICE_KEY_FAULTS,
  deviceKeyFault,
  InvalidDeviceKeyError,
  isDeviceKey,
  mulPoint,
  pointFromY,
  signEddsaPoseidon,
  verifyEddsaPoseidon,
} from './babyjub.js'
export type { DeviceKeyFault } from './babyjub.js'
export type { EddsaSignature } from '../core/index.js'
export { DEVICE_KEY_FORMAT, DeviceKeyFileError, deviceKeyFromFile, deviceKeyToFile } from './device-key-file.js'
export type { DeviceKeyFile } from './device-key-file.js'
export { metricHash, seriesIdOf, validBand } from './series-id.js'
export type { SeriesMeaning, ValueBand } from './series-id.js'
export { proofKeyOf, verifyDatasetProofs } from './verify-dataset-proofs.js'
export type { DatasetProofsCheck } from './verify-dataset-proofs.js'
export { BatchSequenceError, checkBatchSequence } from './check-batch-sequence.js'
export type { SequencedBatch } from './check-batch-sequence.js'
export { checkProvenSeries } from './check-proven-series.js'
export type { FiledBatch } from './check-proven-series.js'
export { ManifestProofMismatchError } from './manifest-proof-mismatch-error.js'
export type { ManifestProofMismatch } from './manifest-proof-mismatch-error.js'
export {
  CEREMONY_FILES,
  ceremonyFileInMemory,
  ceremonyFilesInMemory,
  checkCeremonyAgainstRecord,
  checkCeremonyFiles,
  checkRecordKey,
  compareTranscriptWithRecord,
  latestZkey,
  parseTranscript,
  snarkjsCeremonySnark,
  snarkjsVerifyFromR1cs,
} from './ceremony-transcript.js'
export type {
  BeaconRecord,
  CeremonyFile,
  CeremonyFiles,
  CeremonySnark,
  CeremonyTranscript,
  ContributionRecord,
  PtauRecord,
  SnarkjsFile,
  VerifyFromR1cs,
} from './ceremony-transcript.js'
export { CeremonyStateError } from './ceremony-state-error.js'
export { CeremonyVerificationError } from './ceremony-verification-error.js'

// Errors sent from another process (a prover, a batch verifier, a queue's job) come back as
// their own classes: deserializeError finds them here (core/serialized-error.ts).
import { registerErrorClass } from '../core/index.js'
import { SetupRecordFormatError } from './anchored-setup-record.js'
import { InvalidDeviceKeyError } from './babyjub.js'
import { CeremonyStateError } from './ceremony-state-error.js'
import { CeremonyVerificationError } from './ceremony-verification-error.js'
import { BatchSequenceError } from './check-batch-sequence.js'
import { BatchOrderError, BatchRangeMismatchError } from './dataset-stats.js'
import { DeviceKeyFileError } from './device-key-file.js'
import { WitnessError } from './generate-proof.js'
import { InvalidBuyerKeyError } from './buyer-key.js'
import { InvalidKeyError } from './key-commitment.js'
import { KeyTransferError } from './key-transfer-error.js'
import { ManifestProofMismatchError } from './manifest-proof-mismatch-error.js'
import { BundleVerificationError, ProofBundleError } from './proof-bundle.js'
import { PublicSignalsError } from './public-signals.js'
import { BatchInputError } from './batch-input-error.js'
import { SetupRecordMismatchError } from './setup-record-mismatch-error.js'
import { SetupRecordMissingError } from './setup-record-missing-error.js'
import { UltraHonkVerifyError } from './ultrahonk/index.js'
registerErrorClass(
  BatchInputError,
  BatchOrderError,
  BatchRangeMismatchError,
  BatchSequenceError,
  BundleVerificationError,
  CeremonyStateError,
  CeremonyVerificationError,
  DeviceKeyFileError,
  InvalidBuyerKeyError,
  InvalidDeviceKeyError,
  InvalidKeyError,
  KeyTransferError,
  ManifestProofMismatchError,
  ProofBundleError,
  PublicSignalsError,
  SetupRecordFormatError,
  SetupRecordMismatchError,
  SetupRecordMissingError,
  UltraHonkVerifyError,
  WitnessError,
)
