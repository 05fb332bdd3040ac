// Publish: a publication's workspace and stages, run in this process (publishDataset) or as a
// BullMQ flow (stage worker, proof workers over a sandboxed prover pool), its status and retry.
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
export type { ProverPool } from './prover-pool.js'
export { WindowAttachedError } from './window-attached-error.js'
