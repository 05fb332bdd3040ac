import { AssayError } from '../core/index.js'

/** A batch breaks a circuit precondition; `slot` names the reading when one is at fault. */
export class BatchInputError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly slot: number | undefined
  constructor(message: string, slot?: number) {
    super(slot === undefined ? message : `reading ${slot}: ${message}`)
    this.name = 'BatchInputError'
    this.slot = slot
  }
}
