import type { ErrorRequestHandler } from 'express'
import { AssayError, categoryOf, categoryOfStatus, ERROR_CATEGORIES, type ErrorCategory } from '../core/index.js'

/**
 * The one error middleware: a JSON body `{ error: { name, message, category, retryable } }`, never
 * a stack trace. An AssayError's category gives the status; express's own errors (body-parser)
 * keep their 4xx status; anything else is 500 and says only 'internal error'.
 */
export function createErrorHandler(logError: (err: unknown) => void = (err) => console.error(err)): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const category = categoryOf(err)
    const bodyParserStatus = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : undefined
    const status =
      err instanceof AssayError
        ? ERROR_CATEGORIES[category].status
        : bodyParserStatus !== undefined && bodyParserStatus >= 400 && bodyParserStatus < 500
          ? bodyParserStatus
          : 500
    if (status >= 500) logError(err)
    // A 5xx says nothing of a bug (it may hold paths or secrets); 'unavailable' names the service that is down.
    const hidden = status >= 500 && category !== 'unavailable'
    const name = hidden ? 'InternalError' : err instanceof Error ? err.name : 'Error'
    const message = hidden ? 'internal error' : err instanceof Error ? err.message : String(err)
    const shown: ErrorCategory = hidden ? 'internal' : err instanceof AssayError ? category : (categoryOfStatus(status) ?? 'bad-input')
    res.status(status).json({ error: { name, message, category: shown, retryable: ERROR_CATEGORIES[shown].retryable } })
  }
}
