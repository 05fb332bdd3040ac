import { AssayError, categoryOf, type ErrorCategory } from '../../core/index.js'
import type { PublishStage } from './publish-stages.js'

/** A stage failed; `stage` names it and `cause` says why. Stages after it did not run. */
export class PublishError extends AssayError {
  /** The cause's: a wrapper says no more than what it wraps (bad input stays bad input). */
  override readonly category: ErrorCategory
  readonly stage: PublishStage
  constructor(stage: PublishStage, options: { cause: unknown }) {
    super(`publishing failed at ${stage}: ${(options.cause as Error)?.message ?? String(options.cause)}`, options)
    this.name = 'PublishError'
    this.stage = stage
    this.category = categoryOf(options.cause)
  }
}
