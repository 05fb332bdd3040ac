// Storage, browser-safe part: the envelope format, data keys, errors and types.
// Node-only parts (encryption streams, ECIES, keystore, Helia, content store) are in storage/node.ts.
export {
  DEFAULT_CHUNK_SIZE,
  ENVELOPE_ID,
  HEADER_BYTES,
  TAG_BYTES,
  chunkAad,
  chunkNonce,
  decodeHeader,
  encodeHeader,
  envelopeSize,
} from './envelope-format.js'
export type { EnvelopeHeader } from './envelope-format.js'
export { DATA_KEY_BYTES, generateDataKey, InvalidDataKeyError } from './data-key.js'
export { unwrapKeyWeb } from './unwrap-key-web.js'
export { decryptEnvelopeWeb } from './decrypt-envelope-web.js'
export { checkBlock } from './check-block.js'
export { readCarFile } from './read-car-file.js'
export type { ReadCarFileOptions } from './read-car-file.js'
export { carV1Block, carV1Header } from './car-v1-frames.js'
export { concatBytes } from './concat-bytes.js'
export { createDagVerifier } from './dag-verifier.js'
export type { DagVerifier, DagVerifierOptions } from './dag-verifier.js'
export { exportDatasetCar } from './export-dataset-car.js'
export type { DatasetCar, DatasetCarSource } from './export-dataset-car.js'
export { createPinningServiceClient, PIN_STATUSES, pinningEndpoint } from './pinning-service-client.js'
export type {
  Pin,
  PinFilter,
  PinningServiceClient,
  PinningServiceClientOptions,
  PinStatus,
  PinStatusValue,
} from './pinning-service-client.js'
export {
  PinningServiceAuthError,
  PinningServiceRequestError,
  PinningServiceResponseError,
  PinningServiceUnavailableError,
} from './pinning-service-error.js'
export type { PinningServiceAnswer } from './pinning-service-error.js'
export { ContentTooLargeError } from './content-too-large-error.js'
export { DagWalkLimitError } from './dag-walk-limit-error.js'
export { UndecodableBlockError } from './undecodable-block-error.js'
export {
  ContentCorruptedError,
  ContentNotFoundError,
  EnvelopeFormatError,
  EnvelopeTamperedError,
  InvalidPublicKeyError,
  KeystoreError,
  KeyUnwrapError,
  TruncatedEnvelopeError,
  WrongKeyError,
} from './errors.js'

export type { EmbeddedHelia, EmbeddedHeliaOptions, HeliaNode } from './create-embedded-helia.js'
export type {
  AddResult,
  AddStreamOptions,
  BlockReadOptions,
  ContentStore,
  ContentStoreComponents,
  ContentStoreOptions,
  HeldContent,
  ReadOptions,
} from './content-store.js'
export type { Keystore, KeystoreComponents, MasterKeyOptions } from './keystore.js'
export type { DagEntity, DagEntityKind } from './dag-entity.js'
export type { DagBlock, ResolveDagPathOptions, ResolvedDagPath } from './resolve-dag-path.js'
export type { DagScope, DagSelection, SelectDagBlocksOptions } from './select-dag-blocks.js'

// Errors sent from another process (a prover, a batch verifier, a queue's job) come back as
// their own classes: deserializeError finds them here (core/serialized-error.ts).
import { registerErrorClass } from '../core/index.js'
import { InvalidDataKeyError } from './data-key.js'
import { ContentTooLargeError } from './content-too-large-error.js'
import { DagWalkLimitError } from './dag-walk-limit-error.js'
import { UndecodableBlockError } from './undecodable-block-error.js'
import {
  ContentCorruptedError,
  ContentNotFoundError,
  EnvelopeFormatError,
  EnvelopeTamperedError,
  InvalidPublicKeyError,
  KeyUnwrapError,
  KeystoreError,
  TruncatedEnvelopeError,
  WrongKeyError,
} from './errors.js'
import {
  PinningServiceAuthError,
  PinningServiceRequestError,
  PinningServiceResponseError,
  PinningServiceUnavailableError,
} from './pinning-service-error.js'
registerErrorClass(
  PinningServiceAuthError,
  PinningServiceRequestError,
  PinningServiceResponseError,
  PinningServiceUnavailableError,
  ContentCorruptedError,
  ContentNotFoundError,
  ContentTooLargeError,
  DagWalkLimitError,
  EnvelopeFormatError,
  EnvelopeTamperedError,
  InvalidDataKeyError,
  InvalidPublicKeyError,
  KeyUnwrapError,
  KeystoreError,
  TruncatedEnvelopeError,
  UndecodableBlockError,
  WrongKeyError,
)
