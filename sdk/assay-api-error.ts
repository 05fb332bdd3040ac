import { AssayError, isErrorCategory, type ErrorCategory } from '../core/index.js'

/** Categories of the statuses a node answers with; for a node too old to say its error's category. */
const CATEGORY_BY_STATUS: Record<number, ErrorCategory> = {
  400: 'bad-input',
  401: 'unauthorised',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-large',
  422: 'tampered',
  429: 'rate-limited',
  503: 'unavailable',
}

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
    this.category = isErrorCategory(options?.category) ? options.category : (CATEGORY_BY_STATUS[status] ?? 'internal')
  }
}
