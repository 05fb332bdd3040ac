import { basename } from 'node:path'
import { FlowProducer, Queue, type ConnectionOptions } from 'bullmq'
import type { ErrorCategory, SerializedError } from '../../core/index.js'
import type { ProvenBatchFile } from './proven-batch-file.js'
import type { ProveBatchJob } from './prover-pool.js'
import type { PublishStage } from './publish-stages.js'
import type { Publication } from './publication.js'

/** A stage job: which workspace it works on (on the disk of the node that owns Helia and the chain key). */
export interface StageJob {
  workspace: string
  step?: 'waiting-for-proofs'
  /** The category of the AssayError the stage last failed with: publicationStatus reads it, no error text is parsed. */
  failedCategory?: ErrorCategory
  /** The error itself (any error, with its fields and causes), for the status to show by name. */
  failedError?: SerializedError
}

/** A batch job's data: the proof job, and the error its last attempt failed with. */
export type BatchJobData = ProveBatchJob & { failedError?: SerializedError }

export interface PublishQueueOptions {
  connection: ConnectionOptions
  /** Queue name prefix (tests use their own). */
  prefix?: string
}

export const STAGE_QUEUE = 'assay-publish'
export const PROVE_QUEUE = 'assay-prove'
export const JOB_DEFAULTS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: false,
  removeOnFail: false,
} as const
/**
 * Locks are renewed every half lockDuration while a job runs; a worker that died stops renewing,
 * and its job goes back to the queue at the next stalled check: within ~20 s, not BullMQ's ~60 s.
 */
export const LOCKS = { lockDuration: 15_000, stalledInterval: 5_000 } as const

/** BullMQ's connection options of a queue, worker or flow producer. */
export function queueConnection(options: PublishQueueOptions): { connection: ConnectionOptions; prefix?: string } {
  return { connection: options.connection, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) }
}

export interface PublishQueues {
  stages: Queue<StageJob>
  proofs: Queue<ProveBatchJob, ProvenBatchFile>
  flows: FlowProducer
  close(): Promise<void>
}

export function createPublishQueues(options: PublishQueueOptions): PublishQueues {
  const opts = queueConnection(options)
  const stages = new Queue<StageJob>(STAGE_QUEUE, opts)
  const proofs = new Queue<ProveBatchJob, ProvenBatchFile>(PROVE_QUEUE, opts)
  const flows = new FlowProducer(opts)
  return {
    stages,
    proofs,
    flows,
    async close() {
      await Promise.all([stages.close(), proofs.close(), flows.close()])
    },
  }
}

/** The id of a publication (its workspace folder's name) and of each of its stage jobs. */
export const publicationId = (publication: Publication): string => basename(publication.dir)
export const stageJobId = (pubId: string, stage: PublishStage): string => `${pubId}.${stage}`
