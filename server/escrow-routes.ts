import { Router } from 'express'
import type { z } from 'zod'
import { API, type settlementStatusSchema } from '../api/index.js'
import { AssayError } from '../core/index.js'
import type { ChainClient } from '../contracts/index.js'
import type { SettlementQueue } from '../pipelines/index.js'
import { reply, requestOf } from './contract-route.js'
import { NotFoundError } from './not-found-error.js'

/** What the escrow routes need from the node. */
export interface EscrowApi {
  chain: Pick<ChainClient, 'orderStatus' | 'settlementOf' | 'streamOrderOf' | 'windowStatus' | 'windowSettlementOf'>
  settlements: Pick<SettlementQueue, 'status' | 'retry'>
}

/** The order's settlement did not fail, so there is nothing to retry (409). */
export class SettlementNotFailedError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(orderId: bigint, windowIndex?: bigint) {
    const path = windowIndex === undefined ? `/escrow/orders/${orderId}` : `/escrow/orders/${orderId}/windows/${windowIndex}`
    super(`order ${orderId}${windowIndex === undefined ? '' : ` window ${windowIndex}`}: its settlement has not failed (see GET ${path})`)
    this.name = 'SettlementNotFailedError'
  }
}

type SettlementView = z.infer<typeof settlementStatusSchema>

async function viewOf(api: EscrowApi, orderId: bigint, windowIndex?: bigint): Promise<SettlementView> {
  let status: SettlementView['status']
  let settled: { txHash: string; blockNumber: number } | undefined
  if (windowIndex === undefined) {
    status = await api.chain.orderStatus(orderId)
    settled = status === 'settled' ? await api.chain.settlementOf(orderId) : undefined
  } else {
    const order = await api.chain.streamOrderOf(orderId)
    status = order === undefined ? 'none' : await api.chain.windowStatus(order, windowIndex)
    settled = status === 'settled' ? await api.chain.windowSettlementOf(orderId, windowIndex) : undefined
  }
  const job = await api.settlements.status(orderId, windowIndex)
  return {
    orderId: orderId.toString(),
    ...(windowIndex !== undefined ? { windowIndex: windowIndex.toString() } : {}),
    status,
    ...(settled !== undefined ? { settlement: { txHash: settled.txHash, blockNumber: settled.blockNumber } } : {}),
    ...(job !== undefined
      ? {
          job: {
            state: job.state,
            attempts: job.attempts,
            ...(job.error !== undefined ? { error: { name: job.error.name, category: job.error.category } } : {}),
          },
        }
      : {}),
  }
}

/**
 * GET /escrow/orders/:id (anyone: a buyer follows its order; only an error's name and category
 * leave the node) and POST /escrow/orders/:id/retry (the operator's, mounted behind its token);
 * the same per window of a stream order under /escrow/orders/:id/windows/:index.
 */
export function escrowRoutes(api: EscrowApi): Router {
  const router = Router()
  router.get('/escrow/orders/:id', async (req, res, next) => {
    try {
      const orderId = BigInt(requestOf(API.settlement, req).params.id)
      reply(res, API.settlement, 200, await viewOf(api, orderId))
    } catch (err) {
      next(err)
    }
  })
  router.post('/escrow/orders/:id/retry', async (req, res, next) => {
    try {
      const orderId = BigInt(requestOf(API.retrySettlement, req).params.id)
      const job = await api.settlements.status(orderId)
      if (job === undefined) return next(new NotFoundError(`this node has no settlement of order ${orderId}`))
      if (!(await api.settlements.retry(orderId))) throw new SettlementNotFailedError(orderId)
      reply(res, API.retrySettlement, 202, await viewOf(api, orderId))
    } catch (err) {
      next(err)
    }
  })
  router.get('/escrow/orders/:id/windows/:index', async (req, res, next) => {
    try {
      const { id, index } = requestOf(API.windowSettlement, req).params
      reply(res, API.windowSettlement, 200, await viewOf(api, BigInt(id), BigInt(index)))
    } catch (err) {
      next(err)
    }
  })
  router.post('/escrow/orders/:id/windows/:index/retry', async (req, res, next) => {
    try {
      const params = requestOf(API.retryWindowSettlement, req).params
      const [orderId, windowIndex] = [BigInt(params.id), BigInt(params.index)]
      const job = await api.settlements.status(orderId, windowIndex)
      if (job === undefined) return next(new NotFoundError(`this node has no settlement of order ${orderId} window ${windowIndex}`))
      if (!(await api.settlements.retry(orderId, windowIndex))) throw new SettlementNotFailedError(orderId, windowIndex)
      reply(res, API.retryWindowSettlement, 202, await viewOf(api, orderId, windowIndex))
    } catch (err) {
      next(err)
    }
  })
  return router
}
