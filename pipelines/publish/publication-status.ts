import type { ErrorCategory, SerializedError } from '../../core/index.js'
import { PROVE_QUEUE, stageJobId, type BatchJobData, type PublishQueues } from './publish-queues.js'
import { FINAL_PUBLISH_STAGE, PUBLISH_STAGES, type PublishStage } from './publish-stages.js'
import { UNRECOVERABLE_CATEGORIES } from './unrecoverable-categories.js'

const BATCH_FAILURE = new RegExp(`^child .*:${PROVE_QUEUE}:(.+) failed$`)

export interface PublicationStatus {
  id: string
  stages: Record<PublishStage, string>
  proofs: { done: number; total: number }
  /** What the publication waits for, when it waits for something other than its own work (a circuit being built). */
  waiting?: string
  /** The list stage's result once the flow completed. */
  result?: { datasetId: string; manifestCid: string; txHash: string; root: string; quality: number; stats: Array<Record<string, unknown>> }
  failedReason?: string
  /** The category of the failure, when the stage that failed raised an AssayError (see `isPermanentFailure`). */
  category?: ErrorCategory
  /**
   * The error the failed stage or batch proof raised, as JSON (name, message, category, its
   * fields, its causes): `deserializeError` makes it an instance of its class again. Absent for
   * a failure recorded before this field existed.
   */
  error?: SerializedError
  /**
   * Set once the flow failed: whether a retry can help. A file or mapping the import refused
   * for good stays refused; a later failure can be fixed and the publication retried.
   */
  retryable?: boolean
}

/**
 * Whether a failed publication cannot succeed by trying again: its stage failed with an error of
 * a category a retry cannot fix (bad input, a revert, tampered data). Transient failures (a chain
 * or IPFS outage longer than BullMQ's attempts) are worth another try later.
 */
export function isPermanentFailure(status: PublicationStatus): boolean {
  return status.failedReason !== undefined && status.category !== undefined && UNRECOVERABLE_CATEGORIES.has(status.category)
}

/** Where a publication's flow stands: the state of each stage job and how many batches are proven. */
export async function publicationStatus(queues: PublishQueues, pubId: string): Promise<PublicationStatus> {
  const stages = {} as Record<PublishStage, string>
  let failedReason: string | undefined
  let failedStage: PublishStage | undefined
  let category: ErrorCategory | undefined
  let error: SerializedError | undefined
  let result: PublicationStatus['result']
  let proofs = { done: 0, total: 0 }
  let waiting: string | undefined
  for (const stage of PUBLISH_STAGES) {
    const job = await queues.stages.getJob(stageJobId(pubId, stage))
    stages[stage] = job === undefined ? 'unknown' : await job.getState()
    const progress = job?.progress as { waiting?: unknown } | undefined
    if (stages[stage] === 'active' && typeof progress?.waiting === 'string') waiting = progress.waiting
    if (job?.failedReason !== undefined && failedReason === undefined) {
      failedReason = job.failedReason
      failedStage = stage
      category = job.data.failedCategory
      error = job.data.failedError
    }
    if (stage === 'prove' && job !== undefined) {
      // Only the batch jobs count (the prove stage's other child is ingest).
      const deps = await job.getDependencies({ processed: { count: 100_000 }, unprocessed: { count: 100_000 } })
      const isProof = (key: string): boolean => key.includes(`:${PROVE_QUEUE}:`)
      const done = Object.keys(deps.processed ?? {}).filter(isProof).length
      proofs = { done, total: done + (deps.unprocessed ?? []).filter(isProof).length }
      // Batches to prove and nobody to prove them (a node with ASSAY_PROVERS=0 and no `assay
      // worker` connected): say so instead of looking stuck.
      if (proofs.done < proofs.total && failedReason === undefined && (await queues.proofs.getWorkersCount()) === 0)
        waiting = 'waiting for a batch prover: none is connected (start `assay worker` with this node’s REDIS_URL)'
    }
    // The job was read before its state: if it completed in between, the copy read first has no
    // return value yet (null). Moving to completed and storing the value are one step in Redis,
    // so a read after seeing "completed" has it.
    if (stage === FINAL_PUBLISH_STAGE && stages[stage] === 'completed') {
      const completed: unknown = job!.returnvalue ?? (await queues.stages.getJob(stageJobId(pubId, stage)))?.returnvalue
      result = (completed ?? undefined) as PublicationStatus['result']
    }
  }
  // The stages are read one by one while a failure spreads from child to parents: a parent's
  // "child … failed" can be seen before the child's own reason. The child failed first, so a
  // second read finds the reason the user needs.
  if (failedReason?.startsWith('child ') === true) {
    for (const stage of PUBLISH_STAGES) {
      const job = await queues.stages.getJob(stageJobId(pubId, stage))
      const reason = job?.failedReason
      if (reason === undefined) continue
      if (!reason.startsWith('child ')) {
        failedReason = reason
        failedStage = stage
        category = job!.data.failedCategory
        error = job!.data.failedError
        break
      }
      // A failed batch proof is named only by its job key (`child <prefix>:assay-prove:<id> failed`).
      const batchJobId = BATCH_FAILURE.exec(reason)?.[1]
      const batch = batchJobId !== undefined ? await queues.proofs.getJob(batchJobId) : undefined
      if (batch?.failedReason !== undefined) {
        failedReason = `prove: batch ${batch.data.index} of series ${batch.data.series}: ${batch.failedReason}`
        failedStage = 'prove'
        category = undefined // a batch proof records none: it is retried like any other error
        error = (batch.data as BatchJobData).failedError
        break
      }
    }
  }
  return {
    id: pubId,
    stages,
    proofs,
    ...(waiting !== undefined ? { waiting } : {}),
    ...(result !== undefined ? { result } : {}),
    ...(failedReason !== undefined
      ? {
          failedReason,
          ...(category !== undefined ? { category } : {}),
          ...(error !== undefined ? { error } : {}),
          retryable: !(failedStage === 'ingest' && category !== undefined && UNRECOVERABLE_CATEGORIES.has(category)),
        }
      : {}),
  }
}
