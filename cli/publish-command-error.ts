import { AssayError, isErrorCategory, type ErrorCategory } from '../core/index.js'

/**
 * The node failed a publication (the message names the stage and its reason). Its category is the
 * failure's, when the node says one (so `assay publish` exits 2 for a file it refused), else internal.
 */
export class PublishCommandError extends AssayError {
  override readonly category: ErrorCategory
  constructor(message: string, options?: { cause?: unknown; category?: unknown }) {
    super(message, options)
    this.name = 'PublishCommandError'
    this.category = isErrorCategory(options?.category) ? options.category : 'internal'
  }
}
