import { AssayError } from '../../core/index.js'

/**
 * A signed-batch file asked to be proven with a proof system other than its circuit's: devices
 * signed commitments of that circuit (its B and its commitment scheme), which the other system's
 * circuits do not compute, so no proof of them could be made.
 */
export class SignedForOtherSystemError extends AssayError {
  override readonly category = 'bad-input' as const
  readonly circuitId: string
  readonly requested: string
  constructor(circuitId: string, system: string, requested: string) {
    super(
      `the batches are signed for ${circuitId} (${system}) and cannot be proven with ${requested}: its circuits commit to other batches; publish with --prover ${system === 'ultrahonk' ? 'honk' : system} or have the devices sign for a ${requested} circuit`,
    )
    this.name = 'SignedForOtherSystemError'
    this.circuitId = circuitId
    this.requested = requested
  }
}
