import { basename } from 'node:path'
import {
  FlowProducer,
  Queue,
  UnrecoverableError,
  WaitingChildrenError,
  Worker,
  type ConnectionOptions,
  type FlowJob,
  type Job,
} from 'bullmq'
import { AssayError, serializeError, type ErrorCategory, type SerializedError } from '../../core/index.js'
import { createProverPool, type ProveBatchJob } from './prover-pool.js'
import { settlesWithin } from '../services/index.js'
export type { ProveBatchJob } from './prover-pool.js'
import { Publication, PUBLISH_STAGES, type PublicationComponents, type ProvenBatchFile, type PublishStage } from './publication.js'

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
type BatchJobData = ProveBatchJob & { failedError?: SerializedError }

export interface PublishQueueOptions {
  connection: ConnectionOptions
  /** Queue name prefix (tests use their own). */
  prefix?: string
}

const STAGE_QUEUE = 'assay-publish'
const PROVE_QUEUE = 'assay-prove'
const BATCH_FAILURE = new RegExp(`^child .*:${PROVE_QUEUE}:(.+) failed$`)
const JOB_DEFAULTS = { attempts: 3, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: false, removeOnFail: false } as const
/**
 * Locks are renewed every half lockDuration while a job runs; a worker that died stops renewing,
 * and its job goes back to the queue at the next stalled check: within ~20 s, not BullMQ's ~60 s.
 */
const LOCKS = { lockDuration: 15_000, stalledInterval: 5_000 } as const

/**
 * Categories a retry cannot fix: the input, the publisher's rights, the chain's state (a revert) or
 * the data itself. Everything else is retried by BullMQ's attempts and later by a stream's retry
 * schedule: an outage passes, an error that is not an AssayError may be a hiccup of the chain or
 * IPFS, and an 'internal' one (a broken install) can be fixed by the operator in the meantime.
 */
const UNRECOVERABLE: ReadonlySet<ErrorCategory> = new Set<ErrorCategory>([
  'bad-input',
  'unauthorised',
  'forbidden',
  'not-found',
  'conflict',
  'too-large',
  'tampered',
])
const unrecoverable = (err: unknown): err is AssayError => err instanceof AssayError && UNRECOVERABLE.has(err.category)

export interface PublishQueues {
  stages: Queue<StageJob>
  proofs: Queue<ProveBatchJob, ProvenBatchFile>
  flows: FlowProducer
  close(): Promise<void>
}

export function createPublishQueues(options: PublishQueueOptions): PublishQueues {
  const opts = { connection: options.connection, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) }
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

/**
 * Submits a publication as one BullMQ flow: list ← anchor ← preview ← quality ← store ← prove ←
 * ingest (a parent runs after its child, so ingest runs first). Job ids are derived from the
 * publication, so submitting twice adds nothing.
 */
export async function submitPublication(queues: PublishQueues, publication: Publication): Promise<string> {
  const pubId = publicationId(publication)
  let node: FlowJob | undefined
  for (const stage of PUBLISH_STAGES) {
    node = {
      name: stage,
      queueName: STAGE_QUEUE,
      data: { workspace: publication.dir } satisfies StageJob,
      opts: { ...JOB_DEFAULTS, jobId: stageJobId(pubId, stage), failParentOnFailure: true },
      ...(node !== undefined ? { children: [node] } : {}),
    }
  }
  await queues.flows.add(node!, { queuesOptions: { [STAGE_QUEUE]: { defaultJobOptions: JOB_DEFAULTS } } })
  return pubId
}

/**
 * The stage worker: runs on the node (it needs the content store, keystore and chain key). The
 * prove stage fans out one child job per missing batch onto the proof queue and waits for them.
 */
export function startStageWorker(
  components: PublicationComponents,
  options: PublishQueueOptions & { concurrency?: number },
): Worker<StageJob> {
  const opts = { connection: options.connection, ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) }
  const proofQueue = new Queue<ProveBatchJob, ProvenBatchFile>(PROVE_QUEUE, opts)
  const worker = new Worker<StageJob>(
    STAGE_QUEUE,
    async (job: Job<StageJob>, token?: string) => {
      const publication = new Publication(job.data.workspace)
      const stage = job.name as PublishStage
      const progress = (done: number, total: number, waiting?: string): Promise<void> =>
        job.updateProgress({ stage, done, total, ...(waiting !== undefined ? { waiting } : {}) })
      try {
        await progress(0, 1)
        const plan = await publication.ingest(components)
        if (stage === 'ingest') {
          await progress(1, 1)
          return { batches: plan.batches.length, circuitId: plan.circuitId }
        }
        if (stage === 'prove') {
          if (job.data.step !== 'waiting-for-proofs') {
            const { missing } = await publication.proofs(plan)
            if (missing.length > 0 && components.circuitReady !== undefined) {
              // On a fresh node the circuit may still be building: wait, saying so, rather than fail.
              await components.circuitReady(plan.circuitId, (waiting) => progress(0, plan.batches.length, waiting))
              await progress(0, plan.batches.length)
            }
            const pubId = publicationId(publication)
            for (const i of missing) {
              const b = plan.batches[i]!
              await proofQueue.add(
                'prove-batch',
                { circuitId: plan.circuitId, input: b.input, series: b.series, index: b.index, count: b.count },
                {
                  ...JOB_DEFAULTS,
                  jobId: `${pubId}.prove.${b.series}-${b.index}`,
                  parent: { id: job.id!, queue: job.queueQualifiedName },
                  failParentOnFailure: true,
                },
              )
            }
            await job.updateData({ ...job.data, step: 'waiting-for-proofs' })
            if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError()
          }
          for (const proof of Object.values(await job.getChildrenValues<ProvenBatchFile>())) await publication.recordProof(proof)
          const { missing } = await publication.proofs(plan)
          if (missing.length > 0) throw new Error(`${missing.length} batches have no proof after their jobs completed`)
          await progress(plan.batches.length, plan.batches.length)
          return { proofs: plan.batches.length }
        }
        const { proofs } = await publication.proofs(plan)
        switch (stage) {
          case 'store': {
            const stored = await publication.store(components, plan, proofs)
            await progress(1, 1)
            return { ciphertextCid: stored.ciphertextCid }
          }
          case 'quality': {
            const quality = await publication.quality(components, plan, proofs)
            await progress(1, 1)
            return { score: quality.report.score }
          }
          case 'preview': {
            const preview = await publication.preview(components, plan)
            await progress(1, 1)
            return preview
          }
          case 'anchor': {
            const a = await publication.anchor(components, plan, proofs)
            return { datasetId: a.datasetId.toString(), manifestCid: a.manifestCid, txHash: a.txHash, root: a.root.toString() }
          }
          case 'list': {
            const anchored = await publication.anchor(components, plan, proofs)
            await publication.list(components, anchored)
            const manifest = await publication.manifest(components)
            await progress(1, 1)
            return {
              datasetId: anchored.datasetId.toString(),
              manifestCid: anchored.manifestCid,
              txHash: anchored.txHash,
              root: anchored.root.toString(),
              quality: manifest.quality.score,
              stats: manifest.stats.map((st, i) => ({ metric: manifest.series[i]!.metric, unit: manifest.series[i]!.unit, ...st })),
            }
          }
          default:
            throw new UnrecoverableError(`unknown stage ${job.name}`)
        }
      } catch (err) {
        if (err instanceof WaitingChildrenError || err instanceof UnrecoverableError) throw err
        // The error itself or the one it wraps (a stage's own wrapper) may say a retry cannot help.
        const permanent = [err, (err as { cause?: unknown }).cause].find(unrecoverable)
        const category = permanent?.category ?? (err instanceof AssayError ? err.category : undefined)
        await recordFailure(job, category, err)
        if (permanent !== undefined) throw new UnrecoverableError(`${stage}: ${permanent.name}: ${permanent.message}`)
        throw err
      }
    },
    { ...opts, ...LOCKS, concurrency: options.concurrency ?? 2 },
  )
  worker.on('closed', () => void proofQueue.close())
  return worker
}

/**
 * Keeps a stage's failure with its job: its category (none for an error that is not an
 * AssayError) and the error serialized, which outlives this process (the status is read by
 * another node process or after a restart).
 */
async function recordFailure(job: Job<StageJob>, category: ErrorCategory | undefined, err: unknown): Promise<void> {
  const { failedCategory: _, ...data } = job.data
  try {
    await job.updateData({ ...data, ...(category !== undefined ? { failedCategory: category } : {}), failedError: serializeError(err) })
  } catch {
    // Redis is gone: the job cannot be failed either, and is taken again once it is back.
  }
}

/**
 * A proof worker: each batch is proven in a child process of its own pool (`createProverPool`),
 * so proving never blocks this process's event loop and a crash or SIGKILL fails only that
 * attempt (BullMQ retries it). Runs on the node or on other machines (`assay worker`).
 */
export function startProveWorker(options: PublishQueueOptions & { concurrency?: number }): ProveWorker {
  const concurrency = options.concurrency ?? 1
  const pool = createProverPool(concurrency)
  const worker = new Worker<BatchJobData, ProvenBatchFile>(
    PROVE_QUEUE,
    async (job) => {
      const { failedError: _, ...batch } = job.data
      try {
        return await pool.prove(batch)
      } catch (err) {
        // The prover's own error (a WitnessError from the child, with its fields), for the status.
        await job.updateData({ ...batch, failedError: serializeError(err) }).catch(() => undefined)
        throw err
      }
    },
    {
      connection: options.connection,
      ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
      ...LOCKS,
      concurrency,
    },
  )
  return {
    worker,
    async close(graceMs = 30_000) {
      // With Redis gone, BullMQ's close never resolves; the prover processes are ended regardless.
      try {
        await settlesWithin(worker.close(), graceMs)
      } finally {
        await pool.close()
      }
    },
  }
}

/** A proof worker and its prover processes. */
export interface ProveWorker {
  worker: Worker<ProveBatchJob, ProvenBatchFile>
  /**
   * Stops taking jobs and lets running proofs finish (up to `graceMs`, default 30 s), then ends
   * the prover processes. @throws {ShutdownTimeoutError} when the worker did not close in time.
   */
  close(graceMs?: number): Promise<void>
}

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

/** A publication asked to be retried has not failed: it is unknown, still running, or done. */
export class PublicationNotFailedError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(pubId: string, state: 'unknown' | 'running' | 'completed') {
    super(`publication ${pubId} is ${state}; only a failed publication can be retried`)
    this.name = 'PublicationNotFailedError'
  }
}

/** A failed publication still has a job running (a batch proof started before the failure spread). */
export class PublicationBusyError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(pubId: string) {
    super(`publication ${pubId} still has a job running; retry once it has finished`)
    this.name = 'PublicationBusyError'
  }
}

/**
 * Whether a failed publication cannot succeed by trying again: its stage failed with an error of
 * a category a retry cannot fix (bad input, a revert, tampered data). Transient failures (a chain
 * or IPFS outage longer than BullMQ's attempts) are worth another try later.
 */
export function isPermanentFailure(status: PublicationStatus): boolean {
  return status.failedReason !== undefined && status.category !== undefined && UNRECOVERABLE.has(status.category)
}

/**
 * Submits a failed publication again. Its workspace keeps what earlier attempts finished (plan,
 * proofs, stored content, the anchor transaction), so the new flow only does what is left and
 * never anchors twice. Batch proofs that completed inside the failed flow are kept in the
 * workspace first; then the failed flow's jobs are removed, so the same job ids serve again.
 * @throws {PublicationNotFailedError} unless the publication failed
 * @throws {PublicationBusyError} while one of its jobs still runs
 */
export async function retryPublication(queues: PublishQueues, publication: Publication): Promise<string> {
  const pubId = publicationId(publication)
  const status = await publicationStatus(queues, pubId)
  if (status.failedReason === undefined) {
    const unknown = Object.values(status.stages).every((s) => s === 'unknown')
    throw new PublicationNotFailedError(pubId, unknown ? 'unknown' : status.result !== undefined ? 'completed' : 'running')
  }
  // BullMQ's own lock check on removal follows only pending children, and a failure moves the
  // failed branch out of them: a batch still being proven below it would be removed mid-proof.
  const proveId = stageJobId(pubId, 'prove')
  if ((await queues.proofs.getActive()).some((job) => job.parent?.id === proveId)) throw new PublicationBusyError(pubId)
  const prove = await queues.stages.getJob(stageJobId(pubId, 'prove'))
  if (prove !== undefined)
    for (const value of Object.values(await prove.getChildrenValues<ProvenBatchFile | object>()))
      if ('proof' in value) await publication.recordProof(value)
  // The root of the flow is the list stage; removing it removes every stage and batch job below.
  if ((await queues.stages.remove(stageJobId(pubId, 'list'), { removeChildren: true })) !== 1) throw new PublicationBusyError(pubId)
  return submitPublication(queues, publication)
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
    }
    // The job was read before its state: if it completed in between, the copy read first has no
    // return value yet (null). Moving to completed and storing the value are one step in Redis,
    // so a read after seeing "completed" has it.
    if (stage === 'list' && stages[stage] === 'completed') {
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
          retryable: !(failedStage === 'ingest' && category !== undefined && UNRECOVERABLE.has(category)),
        }
      : {}),
  }
}
