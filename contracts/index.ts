// Contracts: generated typed ABIs and contract types, the deployment record, deploy, and the chain client (ethers v6).
// Browser-safe; the embedded anvil and deployment files sit behind contracts/node.ts.
export * from './generated/abis.js'
export type * from './generated/contract-types.js'
export { typedContract } from './typed-contract.js'
export type { TypedContract } from './typed-contract.js'
export { typedEvents } from './typed-events.js'
export type { TypedEvents } from './typed-events.js'
export { createChainClient } from './chain-client.js'
export type {
  AgreedTerms,
  ChainClient,
  CreateStreamParams,
  DatasetRecord,
  DeviceRegistration,
  ListingRecord,
  ListParams,
  PublishDatasetParams,
  StreamRecord,
  StreamSubscription,
  TxResult,
  WindowPurchase,
} from './chain-client.js'
export { ESCROW_ORDER_STATUSES, windowDeadlineOf, windowShare } from './escrow-order.js'
export type {
  AnchorPreimage,
  EscrowOrder,
  EscrowOrderStatus,
  KeySettlement,
  OpenedOrder,
  OpenedStreamOrder,
  StreamEscrowOrder,
} from './escrow-order.js'
export { deviceRegistrationMessage, REGISTRATION_DOMAIN } from './device-registration-message.js'
export type { DeviceSignature, PossessionProof, RegistrationSigner, RegistrationTerms } from './device-registration-message.js'
export { batchProofBytes, MalformedProofError, proofToCalldata } from './proof-to-calldata.js'
export type { BatchProofInput, Groth16Proof, HonkProofObject } from './proof-to-calldata.js'
export { ContractError, decodeContractError } from './contract-error.js'
export { contractsCodeHash, deployContracts, deployHonkVerifier, installableVerifierSlots } from './deploy-contracts.js'
export { deployLinked } from './deploy-linked.js'
export type { LinkableCode, LinkReferences } from './deploy-linked.js'
export type { CompiledContract, DeployOptions } from './deploy-contracts.js'
export {
  DeploymentError,
  deploymentSchema,
  parseDeployment,
  PROOF_SYSTEMS,
  proofSystemOfCircuit,
  proofSystemValue,
  VERIFIER_SLOTS,
  verifierSlotOf,
} from './deployment.js'
export type { Deployment, ProofSystemName, VerifierSlot } from './deployment.js'
export { KEY_REQUEST_TYPES, keyRequestDomain, recoverKeyRequestSigner, signKeyRequest } from './key-request.js'
export type { KeyRequest } from './key-request.js'
export { computeAnchor, statsDigestOf } from './dataset-anchor.js'

// Errors sent from another process (a prover, a batch verifier, a queue's job) come back as
// their own classes: deserializeError finds them here (core/serialized-error.ts).
import { registerErrorClass } from '../core/index.js'
import { ContractError } from './contract-error.js'
import { DeploymentError } from './deployment.js'
import { EscrowCodeMismatchError } from './escrow-fingerprint.js'
import { VerifierCodeMismatchError } from './honk-verifier-fingerprint.js'
import { MalformedProofError } from './proof-to-calldata.js'
import { VerifierUnavailableError } from './verifier-unavailable-error.js'
registerErrorClass(
  ContractError,
  DeploymentError,
  EscrowCodeMismatchError,
  MalformedProofError,
  VerifierCodeMismatchError,
  VerifierUnavailableError,
)
export { assertCommittedEscrow, EscrowCodeMismatchError } from './escrow-fingerprint.js'
export { assertCommittedHonkVerifier, maskedCodeHash, VerifierCodeMismatchError } from './honk-verifier-fingerprint.js'
export type { HonkVerifierFingerprint } from './honk-verifier-fingerprint.js'
export { VerifierUnavailableError } from './verifier-unavailable-error.js'
