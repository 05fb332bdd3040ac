import { AssayError } from '../core/index.js'

/**
 * A trusted-setup ceremony does not check out: a file differs from the hash its transcript
 * recorded, a contribution does not follow from the powers of tau and the circuit, or a setup
 * record does not match the verification key it is held against. `file` names what failed.
 */
export class CeremonyVerificationError extends AssayError {
  override readonly category = 'tampered' as const
  /** The file (relative to the ceremony directory, or as given) that failed, if one did. */
  readonly file: string | undefined

  constructor(message: string, options?: { file?: string; cause?: unknown }) {
    super(message, options)
    this.name = 'CeremonyVerificationError'
    this.file = options?.file
  }
}
