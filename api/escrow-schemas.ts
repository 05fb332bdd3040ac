import { z } from 'zod'
import { txHashSchema } from './wire-types.js'

/** `:id` of the /escrow/orders/:id routes: a KeyEscrow order id. */
export const orderParamsSchema = z.strictObject({
  id: z.string().regex(/^[1-9]\d{0,76}$/, { message: 'must be an order id' }),
})

/** `:id/windows/:index` of a stream order's window routes. */
export const windowParamsSchema = z.strictObject({
  id: z.string().regex(/^[1-9]\d{0,76}$/, { message: 'must be an order id' }),
  index: z.string().regex(/^(0|[1-9]\d{0,19})$/, { message: 'must be a window index' }),
})

/**
 * GET /escrow/orders/:id: where an order stands on the chain, and this node's settlement job for it
 * (absent when the node does not settle it: not its dataset, or not seen yet).
 */
export const settlementStatusSchema = z.object({
  orderId: z.string(),
  /** Set for one window of a stream order (GET /escrow/orders/:id/windows/:index). */
  windowIndex: z.string().optional(),
  /** KeyEscrow's status: none (no such order), open, settled or refunded. */
  status: z.enum(['none', 'open', 'settled', 'refunded']),
  /** The settlement transaction, once settled (the buyer decrypts the key from its OrderSettled or WindowSettled event). */
  settlement: z.object({ txHash: txHashSchema, blockNumber: z.number().int() }).optional(),
  job: z
    .object({
      state: z.string(),
      attempts: z.number().int(),
      /** The last attempt's error, by name and category (details stay in the node's log). */
      error: z.object({ name: z.string(), category: z.string().optional() }).optional(),
    })
    .optional(),
})
