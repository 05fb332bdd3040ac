import { AssayError } from '../core/index.js'

/**
 * No settlement arrived for an order within the time a buyer waited. The seller may still settle
 * until the order's deadline; from the deadline on, an unsettled order may be refunded.
 */
export class KeyDeliveryTimeoutError extends AssayError {
  override readonly category = 'unavailable' as const
  constructor(
    readonly orderId: bigint,
    /** Unix seconds: from then on the buyer may refund. */
    readonly deadline: bigint,
    waitedMs: number,
    /** Set when waiting for one window of a stream order. */
    readonly windowIndex?: bigint,
  ) {
    const what = windowIndex === undefined ? `order ${orderId}` : `order ${orderId} window ${windowIndex}`
    const refund = windowIndex === undefined ? `assay refund ${orderId}` : `assay refund ${orderId} --windows ${windowIndex}`
    super(
      `${what}: no key was delivered within ${Math.round(waitedMs / 1000)} s; the seller may still settle until ` +
        `${new Date(Number(deadline) * 1000).toISOString()}, and from then on you may refund it (${refund})`,
    )
    this.name = 'KeyDeliveryTimeoutError'
  }
}
