import { AssayError, categoryOfStatus, isErrorCategory, type ErrorCategory } from '../core/index.js'

/**
 * A node refused a request; `errorName` and `status` are the node's (e.g. NoAccessError, 403), and
 * so is `category` when the node says it (older nodes do not: it is then read from the status).
 */
export class AssayApiError extends AssayError {
  override readonly category: ErrorCategory
  readonly status: number
  readonly errorName: string
  constructor(status: number, errorName: string, message: string, options?: { cause?: unknown; category?: unknown }) {
    super(`${errorName}: ${message}`, options)
    this.name = 'AssayApiError'
    this.status = status
    this.errorName = errorName
    this.category = isErrorCategory(options?.category) ? options.category : (categoryOfStatus(status) ?? 'internal')
  }
}
