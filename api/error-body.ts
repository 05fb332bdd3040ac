import { z } from 'zod'
import { ERROR_CATEGORIES, type ErrorCategory } from '../core/index.js'

const categories = Object.keys(ERROR_CATEGORIES) as [ErrorCategory, ...ErrorCategory[]]

/** Every refusal's body: the error's class name, its message, its category and whether retrying may help. */
export const errorBodySchema = z.object({
  error: z.object({
    name: z.string(),
    message: z.string(),
    category: z.enum(categories).describe('What kind of failure (core/errors.ts)'),
    retryable: z.boolean().describe('Whether the same request may succeed later'),
  }),
})
export type ErrorBody = z.output<typeof errorBodySchema>

/** An error as JSON, its causes included: how a failed publication reports what failed (core's SerializedError). */
export const serializedErrorSchema = z.object({
  name: z.string(),
  message: z.string(),
  category: z.enum(categories),
  fields: z.record(z.string(), z.unknown()).optional(),
  get cause() {
    return serializedErrorSchema.optional()
  },
})
