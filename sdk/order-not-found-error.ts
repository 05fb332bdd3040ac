import { AssayError } from '../core/index.js'

/** No KeyEscrow order with this id was opened on this deployment. */
export class OrderNotFoundError extends AssayError {
  override readonly category = 'not-found' as const
  constructor(readonly orderId: bigint) {
    super(`order ${orderId} was never opened on this deployment's key escrow`)
    this.name = 'OrderNotFoundError'
  }
}
