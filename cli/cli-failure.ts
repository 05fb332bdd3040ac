import { AssayError, ERROR_CATEGORIES } from '../core/index.js'

/**
 * What `assay` prints and exits with when a command fails: a named error's `Name: message` (meant
 * for the user) and its category's exit code (docs/operations.md#exit-codes); anything unnamed is
 * a bug, shown with its stack, exit 1.
 */
export function cliFailure(err: unknown): { message: string; exitCode: number } {
  const named = err instanceof Error && err.name !== 'Error'
  return {
    message: named ? `${err.name}: ${err.message}` : err instanceof Error ? (err.stack ?? String(err)) : String(err),
    exitCode: err instanceof AssayError ? ERROR_CATEGORIES[err.category].exitCode : 1,
  }
}
