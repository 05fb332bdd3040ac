import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import { serializeError, type SerializedError } from '../../core/index.js'
import type { EscrowOrder } from '../../contracts/index.js'
import { isUnrecoverable } from '../publish/index.js'
import { settleOrder, type SettleOrderComponents, type SettleOrderOptions, type SettleOutcome } from './settle-order.js'

export const SETTLE_QUEUE = 'assay-settle'

/** An order as a job holds it (JSON: bigints as decimal strings). */
export type SerializedOrder = { [K in keyof EscrowOrder]: string }

export interface SettleJob {
  order: SerializedOrder
  /** The error the last attempt failed with, for the status to show by name. */
  failedError?: SerializedError
}

/** A settle job's outcome as stored with it. */
export type SettleJobResult =
  { outcome: 'settled'; txHash: string; blockNumber: number; expiresAt: string } | { outcome: 'closed'; status: string }

export interface SettlementQueueOptions {
  connection: ConnectionOptions
  /** The KeyEscrow's address: job ids name it, so a redeployed escrow's order 1 is another job. */
  escrow: string
  /** Queue name prefix (tests use their own). */
  prefix?: string
}

export interface SettlementStatus {
  orderId: string
  state: 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized' | 'waiting-children' | 'unknown'
  attempts: number
  result?: SettleJobResult
  error?: SerializedError
}

export interface SettlementQueue {
  /** Queues an order once: the job id is the order's, so a second call (a rescan, a restart) adds nothing. */
  enqueue(order: EscrowOrder): Promise<void>
  status(orderId: bigint): Promise<SettlementStatus | undefined>
  /** Tries a failed settlement again (after the operator fixed its cause); false when it has not failed. */
  retry(orderId: bigint): Promise<boolean>
  close(): Promise<void>
}

/**
 * Attempts and backoff: an RPC or Redis outage passes within them. A settlement must land before
 * its deadline (a day by default), so it never waits long between tries. Finished jobs are kept
 * for their status up to a bound (Redis memory does not grow with every order ever opened); the
 * chain stays the record, and an order whose job was dropped and is queued again is found closed.
 */
const KEPT_JOBS = 10_000
const JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { count: KEPT_JOBS },
  removeOnFail: { count: KEPT_JOBS },
} as const

export const serializeOrder = (order: EscrowOrder): SerializedOrder => ({
  id: order.id.toString(),
  buyer: order.buyer,
  datasetId: order.datasetId.toString(),
  paymentToken: order.paymentToken,
  price: order.price.toString(),
  accessPeriod: order.accessPeriod.toString(),
  deadline: order.deadline.toString(),
  buyerKey: order.buyerKey.toString(),
  anchor: order.anchor,
})

export const deserializeOrder = (o: SerializedOrder): EscrowOrder => ({
  id: BigInt(o.id),
  buyer: o.buyer,
  datasetId: BigInt(o.datasetId),
  paymentToken: o.paymentToken,
  price: BigInt(o.price),
  accessPeriod: BigInt(o.accessPeriod),
  deadline: BigInt(o.deadline),
  buyerKey: BigInt(o.buyerKey),
  anchor: o.anchor,
})

const jobIdOf = (escrow: string, orderId: bigint): string => `order-${escrow.toLowerCase()}-${orderId}`
const connectionOf = (o: SettlementQueueOptions) => ({ connection: o.connection, ...(o.prefix !== undefined ? { prefix: o.prefix } : {}) })

export function createSettlementQueue(options: SettlementQueueOptions): SettlementQueue {
  const queue = new Queue<SettleJob, SettleJobResult>(SETTLE_QUEUE, connectionOf(options))
  return {
    async enqueue(order) {
      await queue.add('settle', { order: serializeOrder(order) }, { ...JOB_OPTIONS, jobId: jobIdOf(options.escrow, order.id) })
    },
    async status(orderId) {
      const job = await queue.getJob(jobIdOf(options.escrow, orderId))
      if (job === undefined) return undefined
      const state = await job.getState()
      return {
        orderId: orderId.toString(),
        state,
        attempts: job.attemptsMade,
        ...(job.returnvalue !== null && job.returnvalue !== undefined ? { result: job.returnvalue } : {}),
        ...(state !== 'completed' && job.data.failedError !== undefined ? { error: job.data.failedError } : {}),
      }
    },
    async retry(orderId) {
      const job = await queue.getJob(jobIdOf(options.escrow, orderId))
      if (job === undefined || !(await job.isFailed())) return false
      await job.retry('failed')
      return true
    },
    close: () => queue.close(),
  }
}

/**
 * The worker that settles queued orders, one at a time (a key-transfer proof takes about a second
 * on both cores). Runs on the node, which holds the data keys and the chain key.
 */
export function startSettlementWorker(
  components: SettleOrderComponents,
  options: SettlementQueueOptions & SettleOrderOptions & { log?: (msg: string) => void },
): Worker<SettleJob, SettleJobResult> {
  const settleOptions = options.deadlineMarginS !== undefined ? { deadlineMarginS: options.deadlineMarginS } : {}
  return new Worker<SettleJob, SettleJobResult>(
    SETTLE_QUEUE,
    async (job: Job<SettleJob, SettleJobResult>) => {
      const order = deserializeOrder(job.data.order)
      let outcome: SettleOutcome
      try {
        outcome = await settleOrder(components, order, settleOptions)
      } catch (err) {
        await job.updateData({ ...job.data, failedError: serializeError(err) })
        const fatal = isUnrecoverable(err) ? err : undefined
        options.log?.(
          `settle order ${order.id}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}${fatal ? '' : ' (will retry)'}`,
        )
        throw fatal !== undefined ? new UnrecoverableError(`${fatal.name}: ${fatal.message}`) : err
      }
      if (outcome.outcome === 'settled') {
        options.log?.(`settled order ${order.id} (dataset ${order.datasetId}, buyer ${order.buyer}) in tx ${outcome.txHash}`)
        return { outcome: 'settled', txHash: outcome.txHash, blockNumber: outcome.blockNumber, expiresAt: outcome.expiresAt.toString() }
      }
      options.log?.(`order ${order.id} is ${outcome.status}; nothing to settle`)
      return { outcome: 'closed', status: outcome.status }
    },
    { ...connectionOf(options), concurrency: 1 },
  )
}
