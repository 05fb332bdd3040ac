import { AssayError } from '../core/index.js'

/**
 * Why a key transfer cannot be made or opened: a parameter out of its range (`order-nonce`,
 * `ephemeral-secret`, `buyer-secret`, `ephemeral-key`, `ciphertext`), or a ciphertext that does not
 * open to the anchored key under this buyer secret and order (`limb-out-of-range`: a decrypted half
 * is not 128 bits; `commitment-mismatch`: it is, but Poseidon(hi, lo) is not the key commitment).
 */
export type KeyTransferFault =
  'order-nonce' | 'ephemeral-secret' | 'buyer-secret' | 'ephemeral-key' | 'ciphertext' | 'limb-out-of-range' | 'commitment-mismatch'

/** A key transfer that cannot be made or does not open to the committed key (see `KeyTransferFault`). */
export class KeyTransferError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly fault: KeyTransferFault

  constructor(fault: KeyTransferFault, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KeyTransferError'
    this.fault = fault
  }
}
