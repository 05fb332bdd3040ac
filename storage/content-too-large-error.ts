import { AssayError } from '../core/index.js'

/**
 * A provider sent more for a CID than the reader takes (`limit` bytes): a raw block longer than
 * any block Assay writes, a CAR or a file larger than the caller expects. The bytes are the
 * provider's choice, so another provider may send the right ones (firstProvider moves on).
 */
export class ContentTooLargeError extends AssayError {
  override readonly category = 'too-large' as const
  readonly cid: string
  readonly limit: number

  constructor(cid: string, limit: number, message: string) {
    super(`${cid}: ${message}`)
    this.name = 'ContentTooLargeError'
    this.cid = cid
    this.limit = limit
  }
}
