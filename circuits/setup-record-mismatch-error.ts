import { AssayError } from '../core/index.js'

/** A verification key (or zkey) is not the one a setup record names: `field` says which hash, with both values. */
export class SetupRecordMismatchError extends AssayError {
  override readonly category = 'tampered' as const
  readonly field: string
  readonly recorded: string
  readonly actual: string

  constructor(field: string, recorded: string, actual: string, options?: { cause?: unknown; message?: string }) {
    super(options?.message ?? `setup record's ${field} is ${recorded}, but the file given hashes to ${actual}`, options)
    this.name = 'SetupRecordMismatchError'
    this.field = field
    this.recorded = recorded
    this.actual = actual
  }
}
