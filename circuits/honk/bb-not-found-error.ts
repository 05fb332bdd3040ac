import { AssayError } from '../../core/index.js'

/** The native `bb` binary is missing: @aztec/bb.js is not installed or ships none for this platform. */
export class BbNotFoundError extends AssayError {
  override readonly category = 'internal' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'BbNotFoundError'
  }
}
