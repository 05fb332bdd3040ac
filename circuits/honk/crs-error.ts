import { AssayError } from '../../core/index.js'

/** A powers-of-tau file cannot give the reference string asked for: not a ptau, too few points, a bad point. */
export class CrsError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CrsError'
  }
}
