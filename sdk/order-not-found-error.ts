import { AssayError } from '../core/index.js'

/** No KeyEscrow order with this id was opened on this deployment (or, with a window, the order does not cover it). */
export class OrderNotFoundError extends AssayError {
  override readonly category = 'not-found' as const
  constructor(
    readonly orderId: bigint,
    readonly windowIndex?: bigint,
  ) {
    super(
      windowIndex === undefined
        ? `order ${orderId} was never opened on this deployment's key escrow`
        : `order ${orderId} does not cover window ${windowIndex}`,
    )
    this.name = 'OrderNotFoundError'
  }
}
