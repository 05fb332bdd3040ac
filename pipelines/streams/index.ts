// Streams: live readings from devices over HTTP and MQTT, checked and kept per window in SQLite;
// each closed window becomes a publication (publish/) attached to its stream.
export { openStreamStore } from './stream-store.js'
export type { SeriesState, StoredBatch, StreamSpec, StreamStore, WindowRecord, WindowState } from './stream-store.js'
export {
  createStreamIngest,
  IngestBusyError,
  MAX_BATCHES_PER_REQUEST,
  StreamBatchError,
  UnknownStreamError,
  windowBounds,
  windowOf,
} from './stream-ingest.js'
export type { IngestResult, StreamIngest, StreamIngestComponents, StreamRejection } from './stream-ingest.js'
export { BatchVerifierError, createBatchVerifier, inlineBatchVerifier } from './batch-verifier.js'
export type { BatchVerifier } from './batch-verifier.js'
export { createWindowCloser } from './stream-windows.js'
export type { WindowCloser, WindowCloserComponents } from './stream-windows.js'
export { createStreamFeed } from './stream-feed.js'
export type { StreamFeed, StreamFeedOptions } from './stream-feed.js'
export { acksTopic, READINGS_TOPIC, readingsTopic, startMqttIngest } from './stream-mqtt.js'
export type { MqttAck } from './stream-mqtt.js'
