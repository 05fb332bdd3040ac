import { AssayError } from '../../core/index.js'

/** A `bb` command failed (not a proof that does not verify: that is `false` from verify). */
export class BbCommandError extends AssayError {
  override readonly category = 'internal' as const
  /** The subcommand, e.g. `prove`. */
  readonly command: string
  /** The last lines bb wrote to stderr. */
  readonly stderr: string

  constructor(command: string, message: string, stderr: string, options?: { cause?: unknown }) {
    super(`bb ${command}: ${message}`, options)
    this.name = 'BbCommandError'
    this.command = command
    this.stderr = stderr
  }
}
