import { AssayError, categoryOf, type ErrorCategory } from '../core/index.js'

/**
 * No provider served something (a block, a CAR, a dataset's ciphertext): each was tried in turn and
 * `failures` says why each failed. Its category is theirs when they agree, else `unavailable`
 * (one that was away may answer later).
 */
export class ProvidersFailedError extends AssayError {
  override readonly category: ErrorCategory
  readonly failures: ReadonlyArray<{ provider: string; error: Error }>
  constructor(what: string, failures: ReadonlyArray<{ provider: string; error: Error }>) {
    const reasons = failures.length === 0 ? 'none was given' : failures.map((f) => `${f.provider}: ${f.error.message}`).join('; ')
    super(`no provider served ${what}: ${reasons}`, {
      cause: failures.at(-1)?.error,
    })
    this.name = 'ProvidersFailedError'
    this.failures = failures
    const categories = new Set(failures.map((f) => categoryOf(f.error)))
    this.category = categories.size === 1 ? [...categories][0]! : 'unavailable'
  }
}
