import { AssayError } from '../../core/index.js'

/** A shutdown step that did not finish in time (e.g. a worker whose Redis is gone). */
export class ShutdownTimeoutError extends AssayError {
  override readonly category = 'internal' as const
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms; abandoned`)
    this.name = 'ShutdownTimeoutError'
  }
}

/** Resolves with `promise`, or rejects with ShutdownTimeoutError after `ms`. */
export async function settlesWithin<T>(promise: Promise<T>, ms: number, what = 'closing a worker'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ShutdownTimeoutError(what, ms)), ms)
        timer.unref()
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}
