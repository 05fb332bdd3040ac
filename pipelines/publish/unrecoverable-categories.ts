import { AssayError, ERROR_CATEGORIES, type ErrorCategory } from '../../core/index.js'

/**
 * Categories a retry of a background job cannot fix (ERROR_CATEGORIES' `jobRetries`). Everything
 * else is retried by BullMQ's attempts and later by a stream's retry schedule; an error that is not
 * an AssayError may be a hiccup of the chain or IPFS and is retried too.
 */
export const UNRECOVERABLE_CATEGORIES: ReadonlySet<ErrorCategory> = new Set(
  (Object.keys(ERROR_CATEGORIES) as ErrorCategory[]).filter((c) => !ERROR_CATEGORIES[c].jobRetries),
)

/** Whether `err` is an AssayError whose category a retry cannot fix. */
export const isUnrecoverable = (err: unknown): err is AssayError => err instanceof AssayError && UNRECOVERABLE_CATEGORIES.has(err.category)
