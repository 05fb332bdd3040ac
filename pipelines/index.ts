// Pipelines: importing sellers' files into readings, the quality score, and (on BullMQ and Redis)
// the publish flow. Node-only.
export { REDIS_INSTALL_HINT, startRedis } from './start-redis.js'
export type { RedisService, StartRedisOptions } from './start-redis.js'
export { readCsvRecords, readNdjsonRecords, SourceFormatError } from './read-records.js'
export type { SourceRecord } from './read-records.js'
export { createTimestampParser } from './timestamp-parser.js'
export type { TimestampParser } from './timestamp-parser.js'
export { importReadings, ImportRowError, MissingColumnError, NoReadingsError } from './import-readings.js'
export type { ImportedSeries, ImportOptions, ImportResult, RowProblem } from './import-readings.js'
export { inferMapping } from './infer-mapping.js'
export type { InferredMapping } from './infer-mapping.js'
export { metricDefaults } from './metric-defaults.js'
export type { MetricDefaults } from './metric-defaults.js'
export { QUALITY_WEIGHTS, scoreQuality } from './quality-score.js'
export type { ComponentResult, QualityComponent, QualityInput, QualityReport, SeriesQuality } from './quality-score.js'
export { meaningOf, planBatches, randomFieldElement } from './plan-batches.js'
export { isSignedBatchFile, planSignedBatches } from './read-signed-batches.js'
export { SIMULATED_METRICS, SIMULATION_CIRCUIT, simulateSignedBatches, SimulationError } from './simulate-device.js'
export type { SimulatedMetric, SimulateOptions } from './simulate-device.js'
export type { BatchPlan, PlannedBatch, PlannedSeries, PlanOptions } from './plan-batches.js'
export { plaintextArchive, seriesDescription } from './plaintext-archive.js'
export { renderPreview } from './render-preview.js'
export type { PreviewSeries } from './render-preview.js'
export { assertPublishingSetup, DevelopmentSetupError, LOCAL_DEV_CHAIN_ID } from './assert-publishing-setup.js'
export { publishDataset, runPublication } from './publish-dataset.js'
export type { PublishComponents, PublishProgress, PublishRequest, PublishResult } from './publish-dataset.js'
export { createLocalProver, DeviceNotRegisteredError, Publication, PUBLISH_STAGES, PublishError, qualityInputs } from './publication.js'
export type {
  Anchored,
  BatchProver,
  PublicationComponents,
  PublicationSpec,
  ProvenBatchFile,
  PublishStage,
  StoredContent,
} from './publication.js'
export {
  createPublishQueues,
  isPermanentFailure,
  publicationId,
  PublicationBusyError,
  PublicationNotFailedError,
  publicationStatus,
  retryPublication,
  stageJobId,
  startProveWorker,
  startStageWorker,
  submitPublication,
} from './publish-flow.js'
export type { ProveBatchJob, ProveWorker, PublicationStatus, PublishQueueOptions, PublishQueues, StageJob } from './publish-flow.js'
export { createProverPool, ProverCrashedError } from './prover-pool.js'
export { settlesWithin, ShutdownTimeoutError } from './settles-within.js'
export type { ProverPool } from './prover-pool.js'
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
export { BatchVerifierError, createBatchVerifier, inlineBatchVerifier } from './batch-verifier.js'
export type { BatchVerifier } from './batch-verifier.js'
export type { IngestResult, StreamIngest, StreamIngestComponents, StreamRejection } from './stream-ingest.js'
export { createWindowCloser } from './stream-windows.js'
export type { WindowCloser, WindowCloserComponents } from './stream-windows.js'
export { createStreamFeed } from './stream-feed.js'
export { WindowAttachedError } from './window-attached-error.js'
export type { StreamFeed, StreamFeedOptions } from './stream-feed.js'
export { signBatchRecord, verifyBatchRecord } from './signed-batch-record.js'
export { MOSQUITTO_INSTALL_HINT, startMosquitto } from './start-mosquitto.js'
export type { MqttBroker } from './start-mosquitto.js'
export { acksTopic, READINGS_TOPIC, readingsTopic, startMqttIngest } from './stream-mqtt.js'
export type { MqttAck } from './stream-mqtt.js'

// Errors sent from another process (a prover, a batch verifier, a queue's job) come back as
// their own classes: deserializeError finds them here (core/serialized-error.ts).
import { registerErrorClass } from '../core/index.js'
import { DevelopmentSetupError } from './assert-publishing-setup.js'
import { BatchVerifierError } from './batch-verifier.js'
import { ImportRowError, MissingColumnError, NoReadingsError } from './import-readings.js'
import { ProverCrashedError } from './prover-pool.js'
import { DeviceNotRegisteredError, PublishError } from './publication.js'
import { PublicationBusyError, PublicationNotFailedError } from './publish-flow.js'
import { SourceFormatError } from './read-records.js'
import { ShutdownTimeoutError } from './settles-within.js'
import { SimulationError } from './simulate-device.js'
import { IngestBusyError, StreamBatchError, UnknownStreamError } from './stream-ingest.js'
import { WindowAttachedError } from './window-attached-error.js'
registerErrorClass(
  BatchVerifierError,
  DevelopmentSetupError,
  DeviceNotRegisteredError,
  ImportRowError,
  IngestBusyError,
  MissingColumnError,
  NoReadingsError,
  ProverCrashedError,
  PublicationBusyError,
  PublicationNotFailedError,
  PublishError,
  ShutdownTimeoutError,
  SimulationError,
  SourceFormatError,
  StreamBatchError,
  UnknownStreamError,
  WindowAttachedError,
)
