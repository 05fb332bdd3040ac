import { AssayError } from '../core/index.js'

/** A node refused a request; `errorName` and `status` are the node's (e.g. NoAccessError, 403). */
export class AssayApiError extends AssayError {
  readonly status: number
  readonly errorName: string
  constructor(status: number, errorName: string, message: string, options?: { cause?: unknown }) {
    super(`${errorName}: ${message}`, options)
    this.name = 'AssayApiError'
    this.status = status
    this.errorName = errorName
  }
}
