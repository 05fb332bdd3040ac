// Import: a seller's file (CSV, NDJSON or signed batches) into encoded, signed batches ready to
// prove, plus what is derived from the readings themselves: the quality score, the plaintext
// archive and the preview. Simulated devices write signed-batch files.
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
export type { BatchPlan, PlannedBatch, PlannedSeries, PlanOptions } from './plan-batches.js'
export { isSignedBatchFile, planSignedBatches } from './read-signed-batches.js'
export {
  dailyCycle,
  seededRandom,
  SIMULATED_METRICS,
  SIMULATION_CIRCUIT,
  simulateSignedBatches,
  SimulationError,
} from './simulate-device.js'
export type { SimulatedMetric, SimulateOptions } from './simulate-device.js'
export { plaintextArchive, seriesDescription } from './plaintext-archive.js'
export { PIXEL_RATIO, PREVIEW_WIDTH, renderPreview, renderThumbnail, THUMBNAIL_SIZE } from './render-preview.js'
export type { PreviewSeries } from './render-preview.js'
