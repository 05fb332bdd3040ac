import { AssayError } from '../core/index.js'

/** The node failed a publication (the message names the stage and its reason). */
export class PublishCommandError extends AssayError {
  override readonly category = 'internal' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PublishCommandError'
  }
}
