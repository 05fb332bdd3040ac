import { AssayError } from '../../core/index.js'

/** The inputs do not satisfy the Noir program (a failed assertion or range check): no witness exists. */
export class NoirWitnessError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'NoirWitnessError'
  }
}
