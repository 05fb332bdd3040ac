import { AssayError } from '../core/index.js'

/** The order was refunded to its buyer: it will never be settled, so no key comes through it. */
export class OrderRefundedError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(
    readonly orderId: bigint,
    /** Set when one window of a stream order was refunded. */
    readonly windowIndex?: bigint,
  ) {
    super(
      `order ${orderId}${windowIndex === undefined ? '' : ` window ${windowIndex}`} was refunded: no key will be delivered through it (open a new order to buy again)`,
    )
    this.name = 'OrderRefundedError'
  }
}
