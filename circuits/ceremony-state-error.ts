import { AssayError } from '../core/index.js'

/** A ceremony step was asked for out of order: a contribution after the beacon, a finalize before it, a ptau too small. */
export class CeremonyStateError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CeremonyStateError'
  }
}
