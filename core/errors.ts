/**
 * What kind of failure an error is, for everything that must react to one without knowing its
 * class: the HTTP status, whether a client or the publish queue should try again, the CLI's exit
 * code. Each error class declares its own; `categoryOf` reads it (nothing switches on names).
 */
export type ErrorCategory =
  /** The request or input is malformed or breaks a rule (a field, a file, a mapping, an option). Fix the input; retrying it unchanged fails again. */
  | 'bad-input'
  /** The caller did not prove who it is (no or wrong token, bad signature, failed sign-in). Authenticate, then retry. */
  | 'unauthorised'
  /** The caller is known but may not do this (no access, another origin). Get the right; retrying does not help. */
  | 'forbidden'
  /** What was asked for does not exist here (a dataset, stream, job, content, key). Check the id or ask another node. */
  | 'not-found'
  /** The request contradicts the current state (already registered, nonce used, job still running). Read the state, then decide. */
  | 'conflict'
  /** The input is larger than this node accepts. Send less. */
  | 'too-large'
  /** The caller sent more than its share. Wait (see Retry-After), then retry. */
  | 'rate-limited'
  /** Data failed a hash, signature or proof check: it was altered, corrupted or forged. Never trust it; retrying the same data fails again. */
  | 'tampered'
  /** A service (chain, Redis, IPFS, a worker) is down, busy or unreachable. Retry later. */
  | 'unavailable'
  /** A bug or a broken install on the side that raised it. Report it; the caller cannot fix it. */
  | 'internal'

/**
 * What each category means to the HTTP API (`status`), to retries (`retryable`: trying the same
 * thing again later may succeed) and to the CLI (`exitCode`, documented in docs/operations.md).
 */
/**
 * Everything a category decides, declared once: the HTTP status, whether the same request may
 * succeed later (`retryable`, told to clients), whether a background job tries again by itself
 * (`jobRetries`: an outage passes, and an 'internal' failure such as a broken install can be fixed
 * by the operator meanwhile; the input, rights, the chain's state or the data itself cannot change
 * by waiting), and the CLI's exit code.
 */
export const ERROR_CATEGORIES: Readonly<
  Record<ErrorCategory, { status: number; retryable: boolean; jobRetries: boolean; exitCode: number }>
> = {
  'bad-input': { status: 400, retryable: false, jobRetries: false, exitCode: 2 },
  unauthorised: { status: 401, retryable: false, jobRetries: false, exitCode: 4 },
  forbidden: { status: 403, retryable: false, jobRetries: false, exitCode: 4 },
  'not-found': { status: 404, retryable: false, jobRetries: false, exitCode: 3 },
  conflict: { status: 409, retryable: false, jobRetries: false, exitCode: 5 },
  'too-large': { status: 413, retryable: false, jobRetries: false, exitCode: 2 },
  'rate-limited': { status: 429, retryable: true, jobRetries: true, exitCode: 69 },
  tampered: { status: 422, retryable: false, jobRetries: false, exitCode: 6 },
  // 69 and 70 are sysexits' EX_UNAVAILABLE and EX_SOFTWARE.
  unavailable: { status: 503, retryable: true, jobRetries: true, exitCode: 69 },
  internal: { status: 500, retryable: false, jobRetries: true, exitCode: 70 },
}

/** The category an HTTP status stands for (the reverse of ERROR_CATEGORIES), if one does. */
export function categoryOfStatus(status: number): ErrorCategory | undefined {
  return (Object.keys(ERROR_CATEGORIES) as ErrorCategory[]).find((c) => ERROR_CATEGORIES[c].status === status)
}

/** Whether a value names a category (e.g. one read from a node's error body). */
export function isErrorCategory(value: unknown): value is ErrorCategory {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATEGORIES, value)
}

/**
 * Base class for every Assay domain error. Modules match failures on `name` (stable across
 * bundles and processes) rather than on `instanceof`, and react to them by `category`.
 */
export class AssayError extends Error {
  /** What kind of failure this is; a class that declares none is a bug ('internal'). */
  readonly category: ErrorCategory = 'internal'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AssayError'
  }

  /** Whether trying the same thing again later may succeed (from the category). */
  get retryable(): boolean {
    return ERROR_CATEGORIES[this.category].retryable
  }
}

/**
 * The category of any thrown value: an AssayError's own, anything else 'internal'. The cause
 * chain is not walked: a wrapper declares what it means itself (see PublishError).
 */
export function categoryOf(err: unknown): ErrorCategory {
  return err instanceof AssayError ? err.category : 'internal'
}

/** A configuration value (usually an environment variable) is missing or malformed. */
export class ConfigError extends AssayError {
  override readonly category = 'bad-input' as const
  /** Name of the offending variable, e.g. `PORT`. */
  readonly variable: string

  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(`${variable}: ${message}`, options)
    this.name = 'ConfigError'
    this.variable = variable
  }
}

/** A built artifact (zkey, wasm, vkey …) is missing or does not match the committed manifest. */
export class ArtifactError extends AssayError {
  // A broken install: the operator rebuilds, the caller can do nothing.
  override readonly category = 'internal' as const
  readonly path: string

  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(`${path}: ${message}`, options)
    this.name = 'ArtifactError'
    this.path = path
  }
}

/** An embedded or external service (anvil, Redis, Helia) could not be started or reached. */
export class ServiceError extends AssayError {
  override readonly category = 'unavailable' as const
  readonly service: string

  constructor(service: string, message: string, options?: { cause?: unknown }) {
    super(`${service}: ${message}`, options)
    this.name = 'ServiceError'
    this.service = service
  }
}
