// SDK: the client side of Assay — catalog reads, buying, key requests, content by CID, and the
// checks a buyer runs on what they decrypt. Browser-safe; Node-only helpers are in sdk/node.ts.
export { AssayApiError } from './assay-api-error.js'
export { createAssayClient } from './assay-client.js'
export type { AssayClient, AssayClientOptions, DatasetPage, SearchResult } from './assay-client.js'
export { readTar, TarFormatError } from './read-tar.js'
export { verifyPlaintext } from './verify-plaintext.js'
export type { PlaintextArchive } from './verify-plaintext.js'
export { VerificationError } from './verification-error.js'
