import { AssayError } from '../../core/index.js'

/**
 * Input the UltraHonk verifier cannot even evaluate: a proof of the wrong length, a field element
 * not below its modulus, a point off the curve, a pairing-point limb out of range, the wrong number
 * of public inputs, or a malformed verification key. bb's Solidity verifier reverts on each of
 * these (which an eth_call reports as a rejected proof); here they are told apart from a proof that
 * is well formed but false, for which verifyUltraHonk resolves false. `field` names the part at fault.
 */
export class UltraHonkVerifyError extends AssayError {
  override readonly category = 'tampered' as const
  readonly field: string
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`${field}: ${message}`, options)
    this.name = 'UltraHonkVerifyError'
    this.field = field
  }
}
