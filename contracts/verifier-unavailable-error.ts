import { AssayError } from '../core/index.js'

/**
 * An UltraHonk verifier gave no verdict: the call failed on the way (the RPC unreachable, a gas
 * cap, an answer without revert data), which says nothing about the proof. Retry later.
 */
export class VerifierUnavailableError extends AssayError {
  override readonly category = 'unavailable' as const
  readonly slot: number
  constructor(slot: number, options?: { cause?: unknown }) {
    const reason = options?.cause as { shortMessage?: string; message?: string } | undefined
    super(`the UltraHonk verifier of slot ${slot} gave no verdict: ${reason?.shortMessage ?? reason?.message ?? 'unknown reason'}`, options)
    this.name = 'VerifierUnavailableError'
    this.slot = slot
  }
}
