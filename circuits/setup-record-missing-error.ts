import { AssayError } from '../core/index.js'

/** A circuit slot whose verifier was installed without a setup record (or an empty slot): nothing says where its key came from. */
export class SetupRecordMissingError extends AssayError {
  override readonly category = 'not-found' as const
  readonly slot: number

  constructor(slot: number, options?: { cause?: unknown }) {
    super(`circuit slot ${slot} anchors no setup record: nothing says where its verification key came from`, options)
    this.name = 'SetupRecordMissingError'
    this.slot = slot
  }
}
