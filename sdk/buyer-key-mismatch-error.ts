import { AssayError } from '../core/index.js'

/**
 * An order was opened for another buyer key than the one at hand: its key is encrypted to that
 * key, so this one cannot open it (the order was opened with a key file, by another wallet, or a
 * wallet whose signatures are not deterministic).
 */
export class BuyerKeyMismatchError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(
    readonly orderId: bigint,
    readonly orderKey: bigint,
    readonly heldKey: bigint,
  ) {
    super(
      `order ${orderId} was opened for buyer key ${orderKey}, not for this buyer key ${heldKey}: ` +
        'use the wallet or the buyer key file the order was opened with',
    )
    this.name = 'BuyerKeyMismatchError'
  }
}
