import type { z } from 'zod'
import { AssayError } from '../core/index.js'

/** A request the API refuses (400), naming the field. */
export class ValidationError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ValidationError'
  }
}

/**
 * Validates request input with a zod schema; the first problem becomes a named error that says
 * which field (or unknown key, or `what` for the input as a whole) is wrong.
 */
export function parseInput<T extends z.ZodType>(
  schema: T,
  value: unknown,
  what: string,
  makeError: (message: string) => Error = (message) => new ValidationError(message),
): z.infer<T> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const key = issue.path.join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : what)
    throw makeError(`${key}: ${issue.message}`)
  }
  return parsed.data
}
