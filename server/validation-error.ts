import { AssayError } from '../core/index.js'

/** A request the API refuses (400), naming the field. */
export class ValidationError extends AssayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ValidationError'
  }
}
