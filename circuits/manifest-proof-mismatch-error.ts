import { AssayError } from '../core/index.js'

/** Where a mismatch is and what differs; `stated` and `proven` as the message writes them. */
export interface ManifestProofMismatch {
  /** Index of the series in the manifest; undefined for the dataset as a whole. */
  series?: number
  /** The batch's index in its series; undefined for the series as a whole. */
  batch?: number
  /** The manifest field that differs, e.g. `seriesId`, `deviceId`, `range`, `count`. */
  field: string
  stated: string
  proven: string
}

/**
 * The manifest states something its batch proofs contradict: a series id, a device, a valid range,
 * a count, a time, a commitment, or the circuit they were made with. The message names the series
 * and batch, e.g. `series 1 batch 3: proven valid range [1000, 3000] is not the manifest's [1999, 2001]`.
 */
export class ManifestProofMismatchError extends AssayError {
  override readonly category = 'tampered' as const
  readonly series: number | undefined
  readonly batch: number | undefined
  readonly field: string
  readonly stated: string
  readonly proven: string

  /** `detail` says what differs; the message prefixes it with the series and batch. */
  constructor(mismatch: ManifestProofMismatch, detail: string) {
    const where = [
      ...(mismatch.series !== undefined ? [`series ${mismatch.series}`] : []),
      ...(mismatch.batch !== undefined ? [`batch ${mismatch.batch}`] : []),
    ].join(' ')
    super(where === '' ? detail : `${where}: ${detail}`)
    this.name = 'ManifestProofMismatchError'
    this.series = mismatch.series
    this.batch = mismatch.batch
    this.field = mismatch.field
    this.stated = mismatch.stated
    this.proven = mismatch.proven
  }

  /** The usual case: `<where>: proven <what> <proven> is not the manifest's <stated>`. */
  static of(mismatch: ManifestProofMismatch, what: string): ManifestProofMismatchError {
    return new ManifestProofMismatchError(mismatch, `proven ${what} ${mismatch.proven} is not the manifest's ${mismatch.stated}`)
  }
}
