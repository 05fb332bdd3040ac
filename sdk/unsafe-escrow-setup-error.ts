import { AssayError } from '../core/index.js'

/**
 * The key-transfer circuit's committed key comes from the development setup, so on this chain
 * anyone could forge a settlement proof and take an escrowed payment: no order is opened (409).
 */
export class UnsafeEscrowSetupError extends AssayError {
  override readonly category = 'conflict' as const
  constructor(
    readonly circuitId: string,
    readonly chainId: number,
  ) {
    super(
      `circuit ${circuitId} has a development setup (anyone can forge its proofs): not paying into KeyEscrow on chain ${chainId}; ` +
        'the escrow needs a verifier built from a ceremony (`assay setup`), or buy with `assay buy` (the seller node releases the key)',
    )
    this.name = 'UnsafeEscrowSetupError'
  }
}
