import { AssayError, categoryOfStatus, type ErrorCategory } from '../core/index.js'

/** What a pinning service said about a refused request: the HTTP status and its `Failure` body. */
export interface PinningServiceAnswer {
  status: number
  /** `error.reason` of the spec's Failure body (e.g. `UNAUTHORIZED`, `INSUFFICIENT_FUNDS`). */
  reason?: string
  /** `error.details`, for people. */
  details?: string
}

const describe = (what: string, a: PinningServiceAnswer): string =>
  `${what} (${a.status}${a.reason !== undefined ? ` ${a.reason}` : ''}${a.details !== undefined ? `: ${a.details}` : ''})`

/** The pinning service refused the access token (401, or 403): fix ASSAY_PINNING_SERVICE_TOKEN. */
export class PinningServiceAuthError extends AssayError {
  override readonly category = 'unauthorised' as const
  readonly status: number
  readonly reason: string | undefined
  constructor(answer: PinningServiceAnswer, options?: { cause?: unknown }) {
    super(describe('the pinning service refused the access token', answer), options)
    this.name = 'PinningServiceAuthError'
    this.status = answer.status
    this.reason = answer.reason
  }
}

/** The pinning service could not be reached in time, or answered that it is down (5xx, 429). */
export class PinningServiceUnavailableError extends AssayError {
  override readonly category = 'unavailable' as const
  /** How long the service asked callers to wait (its Retry-After, at most an hour), if it said. */
  readonly retryAfterMs: number | undefined
  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options)
    this.name = 'PinningServiceUnavailableError'
    this.retryAfterMs = options?.retryAfterMs
  }
}

/**
 * The pinning service refused a request for another reason than the token: a bad request (400),
 * an unknown request id (404), insufficient funds (409), or a service-specific 4xx. Its category
 * follows the status.
 */
export class PinningServiceRequestError extends AssayError {
  override readonly category: ErrorCategory
  readonly status: number
  readonly reason: string | undefined
  /**
   * The refusal is about the account, not this request: payment required (402) or insufficient
   * funds (409 INSUFFICIENT_FUNDS, the spec's one 409). Every other request would get it too.
   */
  readonly accountWide: boolean
  constructor(what: string, answer: PinningServiceAnswer, options?: { cause?: unknown }) {
    super(describe(what, answer), options)
    this.name = 'PinningServiceRequestError'
    this.status = answer.status
    this.reason = answer.reason
    this.accountWide = answer.status === 402 || (answer.status === 409 && answer.reason === 'INSUFFICIENT_FUNDS')
    const category = categoryOfStatus(answer.status)
    this.category = category === undefined || category === 'internal' || category === 'unavailable' ? 'bad-input' : category
  }
}

/** The pinning service answered with something the Pinning Service API does not allow. */
export class PinningServiceResponseError extends AssayError {
  override readonly category = 'internal' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PinningServiceResponseError'
  }
}
