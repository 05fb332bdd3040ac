// Node-only part of circuits: reading artifacts from disk and releasing prover threads.
export { committedVkeyPath, loadCircuit, loadCircuitVerificationKey, releaseProverThreads } from './load-circuit.js'
export type { LoadCircuitOptions } from './load-circuit.js'
export { createBatchProver } from './create-batch-prover.js'
export type { ProveBatch } from './create-batch-prover.js'
export { threadedVerifierCurve } from './threaded-verifier-curve.js'
export {
  applyBeacon,
  ceremonyDirectory,
  ceremonyFileOnDisk,
  installCeremony,
  checkAgainstSetupRecord,
  compareCeremonyWithRecord,
  contributeToCeremony,
  describePtau,
  finalizeCeremony,
  importPtau,
  readTranscript,
  snarkjsCeremonyBackend,
  startCeremony,
  verifyCeremony,
} from './ceremony.js'
export type { CeremonyBackend, CeremonyOptions } from './ceremony.js'
export type { BeaconRecord, CeremonyTranscript, ContributionRecord, PtauRecord } from './ceremony-transcript.js'
export type { SetupRecord } from './ceremony-record.js'
// Also in index.ts (browser-safe); kept here for Node callers that import only this file.
export { CeremonyStateError } from './ceremony-state-error.js'
export { CeremonyVerificationError } from './ceremony-verification-error.js'
export {
  allCommittedSetupRecords,
  committedHonkSetupRecords,
  committedSetupRecordDigests,
  committedSetupRecords,
} from './committed-setup-records.js'
export type { CommittedSetupRecord } from './committed-setup-records.js'
export { committedCeremoniesDir, installedZkeyPath, readInstalledCeremony } from './installed-ceremony.js'
// UltraHonk backend over the native bb (issue 22): Noir compile/execute, CRS from our ptau, prove/verify.
export {
  BB_G1_FILE,
  BB_G2_FILE,
  BbCommandError,
  BbNotFoundError,
  committedHonkVkPath,
  compileNoir,
  createBbProver,
  noirProject,
  CrsError,
  assayCacheDir,
  DEV_SEED,
  devBbCrs,
  devSeedCrsDir,
  executeNoir,
  findBbBinary,
  honkBytecodeSha256,
  loadHonkCircuit,
  nameHonkVerifier,
  NoirCompileError,
  proveHonkBatch,
  NoirWitnessError,
  runBb,
  SENSOR_STATS_NOIR_NAMES,
  sensorStatsNoirInput,
  solidityVerifierForCrs,
  writeBbCrs,
  writeBbCrsFromPoints,
  writeDevSeedCrs,
  writeHonkVkJson,
} from './honk/node.js'
export type {
  BbCrs,
  BbProver,
  BbProverOptions,
  DevBbCrsOptions,
  FindBbBinaryOptions,
  HonkCircuit,
  HonkBatchProof,
  HonkProof,
  HonkTarget,
  KnownCircuit,
  LoadHonkCircuitOptions,
  NoirExecution,
  NoirProgram,
  RunBb,
  WriteBbCrsOptions,
} from './honk/node.js'

// The Honk backend's errors keep their class across process boundaries (prover processes, BullMQ).
import { registerErrorClass } from '../core/index.js'
import { BbCommandError, BbNotFoundError, CrsError, NoirCompileError, NoirWitnessError } from './honk/node.js'
registerErrorClass(BbCommandError, BbNotFoundError, CrsError, NoirCompileError, NoirWitnessError)
