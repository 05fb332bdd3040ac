import { AssayError } from '../../core/index.js'

/** A Noir project under circuits/noir does not compile: our source or the compiler is broken. */
export class NoirCompileError extends AssayError {
  override readonly category = 'internal' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'NoirCompileError'
  }
}
