import { AssayError } from '../core/index.js'

/** What a request names is not on this node: no such dataset, job, device, content or route (404). */
export class NotFoundError extends AssayError {
  override readonly category = 'not-found' as const
  constructor(message: string) {
    super(message)
    this.name = 'NotFoundError'
  }
}
