// Signed batches: a device's (or the gateway's) signature over one batch record, made and checked
// the same way by file imports, simulated devices and stream ingest. Kept apart from import/ so the
// batch verifier's child process loads only this.
export { signBatchRecord, signedSeriesId, verifyBatchRecord, warmBatchChecks } from './signed-batch-record.js'
export type { SeriesDescription } from './signed-batch-record.js'
