// SDK: the client side of Assay — catalog reads, buying, key requests, content by CID, the checks
// a buyer runs on what they decrypt, and the auditor's checks. Browser-safe; Node-only helpers
// (downloading to disk) are in sdk/node.ts.
export { AssayApiError } from './assay-api-error.js'
export { createAssayClient } from './assay-client.js'
export type {
  AssayClient,
  AssayClientOptions,
  BuyerKeyOptions,
  BuyTrustlessOptions,
  OpenStreamOrderOptions,
  CallOptions,
  ContentOptions,
  DeliveredKey,
  PublishOptions,
  WaitForKeyOptions,
} from './assay-client.js'
export { buyerKeyMessage } from './buyer-key-message.js'
export type { BuyerKeyScope } from './buyer-key-message.js'
export { BuyerKeyMismatchError } from './buyer-key-mismatch-error.js'
export { deriveBuyerKey } from './derive-buyer-key.js'
export { KeyDeliveryTimeoutError } from './key-delivery-timeout-error.js'
export { OrderNotFoundError } from './order-not-found-error.js'
export { OrderRefundedError } from './order-refunded-error.js'
export { UnsafeEscrowSetupError } from './unsafe-escrow-setup-error.js'
export type * from './api-types.js'
export type { UploadProgress } from './upload-progress.js'
export { auditDataset } from './audit-dataset.js'
export type { AuditCheck, AuditOptions, AuditReport } from './audit-dataset.js'
export { decryptDataset } from './decrypt-dataset.js'
export type { DecryptDatasetOptions, DecryptedDataset } from './decrypt-dataset.js'
export { checkSetupTranscript } from './check-setup-transcript.js'
export type { SetupTranscriptOptions } from './check-setup-transcript.js'
export { fetchAnchoredSetupRecord } from './fetch-anchored-setup-record.js'
export { followPublication } from './follow-publication.js'
export type { FollowPublicationOptions } from './follow-publication.js'
export { NodeUnreachableError } from './node-unreachable-error.js'
export { contentProviders, firstProvider, isProviderFailure } from './first-provider.js'
export { ProvidersFailedError } from './providers-failed-error.js'
export { openArchive } from './open-archive.js'
export type { OpenedArchive } from './open-archive.js'
export { readEventStream } from './read-event-stream.js'
export type { ServerSentEvent } from './read-event-stream.js'
export { readJsonByCid } from './read-json-by-cid.js'
export { readTar, TarFormatError } from './read-tar.js'
export { registerDeviceKey } from './register-device-key.js'
export { verifyPlaintext } from './verify-plaintext.js'
export type { PlaintextArchive } from './verify-plaintext.js'
export { VerificationError } from './verification-error.js'
export { DEFAULT_GIVE_UP_AFTER_MS, waitForNode } from './wait-for-node.js'
export type { WaitForNodeOptions } from './wait-for-node.js'

// Errors sent from another process or worker (the web app's verifier worker) come back as their
// own classes: deserializeError finds them here (core/serialized-error.ts).
import { registerErrorClass } from '../core/index.js'
import { AssayApiError } from './assay-api-error.js'
import { BuyerKeyMismatchError } from './buyer-key-mismatch-error.js'
import { KeyDeliveryTimeoutError } from './key-delivery-timeout-error.js'
import { NodeUnreachableError } from './node-unreachable-error.js'
import { OrderNotFoundError } from './order-not-found-error.js'
import { OrderRefundedError } from './order-refunded-error.js'
import { ProvidersFailedError } from './providers-failed-error.js'
import { UnsafeEscrowSetupError } from './unsafe-escrow-setup-error.js'
import { TarFormatError } from './read-tar.js'
import { VerificationError } from './verification-error.js'
registerErrorClass(
  AssayApiError,
  BuyerKeyMismatchError,
  KeyDeliveryTimeoutError,
  NodeUnreachableError,
  OrderNotFoundError,
  OrderRefundedError,
  ProvidersFailedError,
  UnsafeEscrowSetupError,
  TarFormatError,
  VerificationError,
)
