import { Worker } from 'bullmq'
import { serializeError } from '../../core/index.js'
import { settlesWithin } from '../services/index.js'
import type { ProvenBatchFile } from './proven-batch-file.js'
import { createProverPool, type ProveBatchJob } from './prover-pool.js'
import { LOCKS, PROVE_QUEUE, queueConnection, type BatchJobData, type PublishQueueOptions } from './publish-queues.js'

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
    { ...queueConnection(options), ...LOCKS, concurrency },
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
