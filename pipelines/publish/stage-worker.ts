import { Queue, UnrecoverableError, WaitingChildrenError, Worker, type Job } from 'bullmq'
import { serializeError, type ErrorCategory } from '../../core/index.js'
import type { ProvenBatchFile } from './proven-batch-file.js'
import type { ProveBatchJob } from './prover-pool.js'
import {
  JOB_DEFAULTS,
  LOCKS,
  PROVE_QUEUE,
  publicationId,
  queueConnection,
  STAGE_QUEUE,
  type PublishQueueOptions,
  type StageJob,
} from './publish-queues.js'
import type { PublishStage } from './publish-stages.js'
import { Publication, type PublicationComponents } from './publication.js'
import { stageFailure } from './stage-failure.js'

/**
 * The stage worker: runs on the node (it needs the content store, keystore and chain key). Each
 * declared stage has its step here (a missing one does not compile). The prove stage fans out one
 * child job per missing batch onto the proof queue and waits for them.
 */
export function startStageWorker(
  components: PublicationComponents,
  options: PublishQueueOptions & { concurrency?: number },
): Worker<StageJob> {
  const opts = queueConnection(options)
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
        const proofs = async (): Promise<ProvenBatchFile[]> => (await publication.proofs(plan)).proofs
        const steps = {
          ingest: async () => {
            await progress(1, 1)
            return { batches: plan.batches.length, circuitId: plan.circuitId }
          },
          prove: async () => {
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
          },
          store: async () => {
            const stored = await publication.store(components, plan, await proofs())
            await progress(1, 1)
            return { ciphertextCid: stored.ciphertextCid }
          },
          quality: async () => {
            const quality = await publication.quality(components, plan, await proofs())
            await progress(1, 1)
            return { score: quality.report.score }
          },
          preview: async () => {
            const preview = await publication.preview(components, plan)
            await progress(1, 1)
            return preview
          },
          anchor: async () => {
            const a = await publication.anchor(components, plan, await proofs())
            return { datasetId: a.datasetId.toString(), manifestCid: a.manifestCid, txHash: a.txHash, root: a.root.toString() }
          },
          list: async () => {
            const anchored = await publication.anchor(components, plan, await proofs())
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
          },
        } satisfies Record<PublishStage, () => Promise<unknown>>
        if (!Object.hasOwn(steps, stage)) throw new UnrecoverableError(`unknown stage ${job.name}`)
        return await steps[stage]()
      } catch (err) {
        if (err instanceof WaitingChildrenError || err instanceof UnrecoverableError) throw err
        const { category, thrown } = stageFailure(stage, err)
        await recordFailure(job, category, err)
        throw thrown
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
