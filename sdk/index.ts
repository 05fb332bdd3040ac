// SDK: the client side of Assay — catalog reads, buying, key requests, content by CID, the checks
// a buyer runs on what they decrypt, and the auditor's checks. Browser-safe; Node-only helpers
// (downloading to disk) are in sdk/node.ts.
export { AssayApiError } from './assay-api-error.js'
export { createAssayClient } from './assay-client.js'
export type { AssayClient, AssayClientOptions, DatasetPage, SearchResult } from './assay-client.js'
export { auditDataset } from './audit-dataset.js'
export type { AuditCheck, AuditOptions, AuditReport } from './audit-dataset.js'
export { decryptDataset } from './decrypt-dataset.js'
export type { DecryptDatasetOptions, DecryptedDataset } from './decrypt-dataset.js'
export { openArchive } from './open-archive.js'
export type { OpenedArchive } from './open-archive.js'
export { readJsonByCid } from './read-json-by-cid.js'
export { readTar, TarFormatError } from './read-tar.js'
export { verifyPlaintext } from './verify-plaintext.js'
export type { PlaintextArchive } from './verify-plaintext.js'
export { VerificationError } from './verification-error.js'
