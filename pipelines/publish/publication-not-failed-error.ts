import { AssayError } from '../../core/index.js'

/** A publication asked to be retried has not failed: it is unknown, still running, or done. */
export class PublicationNotFailedError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(pubId: string, state: 'unknown' | 'running' | 'completed') {
    super(`publication ${pubId} is ${state}; only a failed publication can be retried`)
    this.name = 'PublicationNotFailedError'
  }
}
