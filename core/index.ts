// Shared domain: types, schemas, errors and config. Browser-safe: no `node:` imports here;
// Node-only helpers live behind `core/node.ts`.
export {
  AssayError,
  ArtifactError,
  categoryOf,
  categoryOfStatus,
  ConfigError,
  ERROR_CATEGORIES,
  isErrorCategory,
  ServiceError,
} from './errors.js'
export type { ErrorCategory } from './errors.js'
export { errorClassNamed, registerErrorClass } from './error-registry.js'
export type { ErrorClass } from './error-registry.js'
export { deserializeError, RemoteError, serializeError } from './serialized-error.js'
export type { SerializedBigint, SerializedError } from './serialized-error.js'
export { assertNodeConfig, DEFAULT_PORT, DEV_MNEMONIC, LOCAL_DEV_CHAIN_ID, loadConfig, redactUrl } from './config.js'
export type { AssayConfig, AssayEnv } from './config.js'
export { MANIFEST_VERSION, ManifestValidationError, manifestSchema, parseManifest } from './manifest.js'
export type { FieldIssue, Manifest, ManifestInput } from './manifest.js'
export { datasetCids } from './dataset-cids.js'
export {
  decodeValue,
  ENCODED_BITS,
  encodeBound,
  encodeValue,
  inferEncoding,
  isDecimalText,
  InvalidNumberError,
  scaleDecimal,
  ValueOutOfRangeError,
} from './fixed-point-codec.js'
export type { MetricEncoding } from './fixed-point-codec.js'
export { importMappingSchema, MappingError, metricName, parseImportMapping } from './import-mapping.js'
export type { ImportMapping, ImportMappingInput, MetricMapping } from './import-mapping.js'
export type { EddsaSignature } from './eddsa-signature.js'
export { fieldElementSchema, SNARK_FIELD } from './field-element.js'
export { parseSignedBatch, SIGNED_BATCH_FORMAT, SIGNED_BATCH_FORMAT_PREFIX, SignedBatchError, signedBatchSchema } from './signed-batch.js'
export type { SignedBatch } from './signed-batch.js'
export { formatSiweMessage, MAX_SIWE_MESSAGE_LENGTH, parseSiweMessage, SiweError, siweTime } from './siwe-message.js'
export type { SiweMessage, SiweRefusal } from './siwe-message.js'

// Errors sent from another process (a prover, a batch verifier, a queue's job) come back as
// their own classes: deserializeError finds them here (core/serialized-error.ts).
import { registerErrorClass } from './error-registry.js'
import { ArtifactError, ConfigError, ServiceError } from './errors.js'
import { InvalidNumberError, ValueOutOfRangeError } from './fixed-point-codec.js'
import { MappingError } from './import-mapping.js'
import { ManifestValidationError } from './manifest.js'
import { SignedBatchError } from './signed-batch.js'
import { SiweError } from './siwe-message.js'
registerErrorClass(
  ArtifactError,
  ConfigError,
  InvalidNumberError,
  ManifestValidationError,
  MappingError,
  ServiceError,
  SignedBatchError,
  SiweError,
  ValueOutOfRangeError,
)
