import { AssayError } from '../core/index.js'

/**
 * Something a buyer or auditor checked does not hold: `check` names it (manifest-anchor,
 * key-commitment, plaintext-hash, batch-commitment, root, …). Data that fails is never trusted.
 */
export class VerificationError extends AssayError {
  override readonly category = 'tampered' as const
  readonly check: string
  constructor(check: string, message: string, options?: { cause?: unknown }) {
    super(`${check}: ${message}`, options)
    this.name = 'VerificationError'
    this.check = check
  }
}
