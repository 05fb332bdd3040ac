import { UnrecoverableError } from 'bullmq'
import { AssayError, type ErrorCategory } from '../../core/index.js'
import { isUnrecoverable } from './unrecoverable-categories.js'

/**
 * What BullMQ is told when a stage fails: the category recorded with the job, and what the worker
 * throws: an UnrecoverableError (no attempt left is tried) when the error, or the one it wraps (a
 * stage's own wrapper), is of a category a retry cannot fix; otherwise the error itself, which
 * BullMQ tries again.
 */
export function stageFailure(stage: string, err: unknown): { category: ErrorCategory | undefined; thrown: unknown } {
  const permanent = [err, (err as { cause?: unknown } | undefined)?.cause].find(isUnrecoverable)
  const category = permanent?.category ?? (err instanceof AssayError ? err.category : undefined)
  return { category, thrown: permanent !== undefined ? new UnrecoverableError(`${stage}: ${permanent.name}: ${permanent.message}`) : err }
}
