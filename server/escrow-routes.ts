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
  chain: Pick<ChainClient, 'orderStatus' | 'settlementOf'>
  settlements: Pick<SettlementQueue, 'status' | 'retry'>
}

/** The order's settlement did not fail, so there is nothing to retry (409). */
export class SettlementNotFailedError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(orderId: bigint) {
    super(`order ${orderId}: its settlement has not failed (see GET /escrow/orders/${orderId})`)
    this.name = 'SettlementNotFailedError'
  }
}

type SettlementView = z.infer<typeof settlementStatusSchema>

async function viewOf(api: EscrowApi, orderId: bigint): Promise<SettlementView> {
  const [status, job] = await Promise.all([api.chain.orderStatus(orderId), api.settlements.status(orderId)])
  const settled = status === 'settled' ? await api.chain.settlementOf(orderId) : undefined
  return {
    orderId: orderId.toString(),
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
 * leave the node) and POST /escrow/orders/:id/retry (the operator's, mounted behind its token).
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
  return router
}
