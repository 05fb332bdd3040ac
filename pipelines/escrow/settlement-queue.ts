import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq'
import { serializeError, type SerializedError } from '../../core/index.js'
import { windowDeadlineOf, type EscrowOrder, type StreamEscrowOrder } from '../../contracts/index.js'
import { isUnrecoverable } from '../publish/index.js'
import { settleOrder, type SettleOrderComponents, type SettleOrderOptions, type SettleOutcome } from './settle-order.js'
import { settleWindow } from './settle-window.js'

export const SETTLE_QUEUE = 'assay-settle'

/** An order as a job holds it (JSON: bigints as decimal strings). */
export type SerializedOrder = { [K in keyof EscrowOrder]: string }

/** A stream order as a job holds it. */
export type SerializedStreamOrder = { [K in keyof StreamEscrowOrder]: string }

/** A dataset order to settle, or one window of a stream order. */
export type SettleJob = ({ order: SerializedOrder } | { streamOrder: SerializedStreamOrder; windowIndex: string }) & {
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
  /** KeyEscrow's settlement window (seconds): with it, window jobs are prioritised by their deadline too. */
  settlementWindow?: bigint
  /** Redis errors of the queue's connection (an outage): reported here instead of thrown at no one. */
  onError?: (err: Error) => void
}

export interface SettlementStatus {
  orderId: string
  /** Set for a stream order's window. */
  windowIndex?: string
  state: 'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'prioritized' | 'waiting-children' | 'unknown'
  attempts: number
  result?: SettleJobResult
  error?: SerializedError
}

export interface SettlementQueue {
  /** Queues an order once: the job id is the order's, so a second call (a rescan, a restart) adds nothing. */
  enqueue(order: EscrowOrder): Promise<void>
  /** Queues one window of a stream order once (job id: the order's and the window's). */
  enqueueWindow(order: StreamEscrowOrder, windowIndex: bigint): Promise<void>
  /** A dataset order's settlement, or a stream order's window's when `windowIndex` is given. */
  status(orderId: bigint, windowIndex?: bigint): Promise<SettlementStatus | undefined>
  /** Tries a failed settlement again (after the operator fixed its cause); false when it has not failed. */
  retry(orderId: bigint, windowIndex?: bigint): Promise<boolean>
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

export const serializeStreamOrder = (order: StreamEscrowOrder): SerializedStreamOrder => ({
  id: order.id.toString(),
  buyer: order.buyer,
  streamId: order.streamId.toString(),
  paymentToken: order.paymentToken,
  amount: order.amount.toString(),
  firstWindow: order.firstWindow.toString(),
  windowCount: order.windowCount.toString(),
  streamStart: order.streamStart.toString(),
  windowLength: order.windowLength.toString(),
  openedAt: order.openedAt.toString(),
  buyerKey: order.buyerKey.toString(),
})

export const deserializeStreamOrder = (o: SerializedStreamOrder): StreamEscrowOrder => ({
  id: BigInt(o.id),
  buyer: o.buyer,
  streamId: BigInt(o.streamId),
  paymentToken: o.paymentToken,
  amount: BigInt(o.amount),
  firstWindow: BigInt(o.firstWindow),
  windowCount: BigInt(o.windowCount),
  streamStart: BigInt(o.streamStart),
  windowLength: BigInt(o.windowLength),
  openedAt: BigInt(o.openedAt),
  buyerKey: BigInt(o.buyerKey),
})

/**
 * BullMQ priority from a deadline: minutes left, so the settlement due first goes first (a buyer's
 * backfill of a stream's history cannot hold up an order due sooner). 1 is the highest priority.
 */
const MAX_PRIORITY = 2_097_152
export function priorityOf(deadline: bigint, nowS: number = Math.floor(Date.now() / 1000)): number {
  const minutes = Number(deadline - BigInt(nowS)) / 60
  return Math.min(MAX_PRIORITY, Math.max(1, Math.floor(minutes) + 1))
}

const jobIdOf = (escrow: string, orderId: bigint, windowIndex?: bigint): string =>
  windowIndex === undefined ? `order-${escrow.toLowerCase()}-${orderId}` : `window-${escrow.toLowerCase()}-${orderId}-${windowIndex}`
const connectionOf = (o: SettlementQueueOptions) => ({ connection: o.connection, ...(o.prefix !== undefined ? { prefix: o.prefix } : {}) })

export function createSettlementQueue(options: SettlementQueueOptions): SettlementQueue {
  const queue = new Queue<SettleJob, SettleJobResult>(SETTLE_QUEUE, connectionOf(options))
  if (options.onError !== undefined) queue.on('error', options.onError)
  return {
    async enqueue(order) {
      await queue.add(
        'settle',
        { order: serializeOrder(order) },
        { ...JOB_OPTIONS, jobId: jobIdOf(options.escrow, order.id), priority: priorityOf(order.deadline) },
      )
    },
    async enqueueWindow(order, windowIndex) {
      await queue.add(
        'settle-window',
        { streamOrder: serializeStreamOrder(order), windowIndex: windowIndex.toString() },
        {
          ...JOB_OPTIONS,
          jobId: jobIdOf(options.escrow, order.id, windowIndex),
          ...(options.settlementWindow !== undefined
            ? { priority: priorityOf(windowDeadlineOf(order, windowIndex, options.settlementWindow)) }
            : {}),
        },
      )
    },
    async status(orderId, windowIndex) {
      const job = await queue.getJob(jobIdOf(options.escrow, orderId, windowIndex))
      if (job === undefined) return undefined
      const state = await job.getState()
      return {
        orderId: orderId.toString(),
        ...(windowIndex !== undefined ? { windowIndex: windowIndex.toString() } : {}),
        state,
        attempts: job.attemptsMade,
        ...(job.returnvalue !== null && job.returnvalue !== undefined ? { result: job.returnvalue } : {}),
        ...(state !== 'completed' && job.data.failedError !== undefined ? { error: job.data.failedError } : {}),
      }
    },
    async retry(orderId, windowIndex) {
      const job = await queue.getJob(jobIdOf(options.escrow, orderId, windowIndex))
      if (job === undefined || !(await job.isFailed())) return false
      await job.retry('failed')
      return true
    },
    close: () => queue.close(),
  }
}

/**
 * The worker that settles queued orders and stream windows, one at a time (a key-transfer proof takes about a second
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
      const data = job.data
      const what =
        'order' in data
          ? `order ${data.order.id} (dataset ${data.order.datasetId}, buyer ${data.order.buyer})`
          : `order ${data.streamOrder.id} window ${data.windowIndex} (stream ${data.streamOrder.streamId}, buyer ${data.streamOrder.buyer})`
      let outcome: SettleOutcome
      try {
        outcome =
          'order' in data
            ? await settleOrder(components, deserializeOrder(data.order), settleOptions)
            : await settleWindow(components, deserializeStreamOrder(data.streamOrder), BigInt(data.windowIndex), settleOptions)
      } catch (err) {
        await job.updateData({ ...data, failedError: serializeError(err) })
        const fatal = isUnrecoverable(err) ? err : undefined
        options.log?.(
          `settle ${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}${fatal ? '' : ' (will retry)'}`,
        )
        throw fatal !== undefined ? new UnrecoverableError(`${fatal.name}: ${fatal.message}`) : err
      }
      if (outcome.outcome === 'settled') {
        options.log?.(`settled ${what} in tx ${outcome.txHash}`)
        return { outcome: 'settled', txHash: outcome.txHash, blockNumber: outcome.blockNumber, expiresAt: outcome.expiresAt.toString() }
      }
      options.log?.(`${what} is ${outcome.status}; nothing to settle`)
      return { outcome: 'closed', status: outcome.status }
    },
    { ...connectionOf(options), concurrency: 1 },
  )
}
