import { AssayError, type ErrorCategory } from '../../core/index.js'

/**
 * Categories a retry cannot fix: the input, the publisher's rights, the chain's state (a revert) or
 * the data itself. Everything else is retried by BullMQ's attempts and later by a stream's retry
 * schedule: an outage passes, an error that is not an AssayError may be a hiccup of the chain or
 * IPFS, and an 'internal' one (a broken install) can be fixed by the operator in the meantime.
 */
export const UNRECOVERABLE_CATEGORIES: ReadonlySet<ErrorCategory> = new Set<ErrorCategory>([
  'bad-input',
  'unauthorised',
  'forbidden',
  'not-found',
  'conflict',
  'too-large',
  'tampered',
])

/** Whether `err` is an AssayError whose category a retry cannot fix. */
export const isUnrecoverable = (err: unknown): err is AssayError => err instanceof AssayError && UNRECOVERABLE_CATEGORIES.has(err.category)
