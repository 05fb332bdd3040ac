import { getAddress, getBytes, type Provider } from 'ethers'
import { AssayError } from '../core/index.js'
import type { Deployment } from './deployment.js'
import { keyEscrowAbi } from './generated/abis.js'
import { escrowFingerprint } from './generated/escrow-fingerprint.js'
import { maskedCodeHash } from './honk-verifier-fingerprint.js'
import { typedContract } from './typed-contract.js'
import type { KeyEscrow } from './generated/contract-types.js'

/** The key escrow or its verifier at a deployment's address is not the committed contract: paying into it is unsafe. */
export class EscrowCodeMismatchError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(
    readonly address: string,
    what: string,
  ) {
    super(`the key escrow at ${address} is not the committed KeyEscrow: ${what}`)
    this.name = 'EscrowCodeMismatchError'
  }
}

/**
 * Checks, before a buyer pays into `deployment`'s KeyEscrow, that its runtime code is the committed
 * KeyEscrow's (immutables aside), that those immutables name the deployment's own DataMarket and
 * DatasetRegistry, and that the verifier it calls is the committed key-transfer verifier. Then a
 * payment leaves the escrow only against a proof the committed verification key accepts, for the
 * anchors of the registry the buyer reads, whoever deployed the contracts.
 *
 * @throws {EscrowCodeMismatchError}
 */
export async function assertCommittedEscrow(provider: Pick<Provider, 'getCode' | 'call'>, deployment: Deployment): Promise<void> {
  const address = deployment.contracts.keyEscrow
  const code = getBytes(await provider.getCode(address))
  if (code.length === 0) throw new EscrowCodeMismatchError(address, 'there is no contract there')
  const { keyEscrow, keyTransferVerifier } = escrowFingerprint
  if (maskedCodeHash(code, keyEscrow.immutables) !== keyEscrow.codeHash) throw new EscrowCodeMismatchError(address, 'its code differs')
  // The code is the committed one, so its getters return the immutables it was deployed with.
  const escrow = typedContract<KeyEscrow>(address, keyEscrowAbi, provider as Provider)
  const [market, datasets, verifier] = await Promise.all([escrow.market(), escrow.datasets(), escrow.verifier()])
  if (getAddress(market) !== getAddress(deployment.contracts.dataMarket))
    throw new EscrowCodeMismatchError(address, `it buys through ${market}, not the deployment's DataMarket`)
  if (getAddress(datasets) !== getAddress(deployment.contracts.datasetRegistry))
    throw new EscrowCodeMismatchError(address, `it reads anchors from ${datasets}, not the deployment's DatasetRegistry`)
  if (maskedCodeHash(getBytes(await provider.getCode(verifier)), []) !== keyTransferVerifier.codeHash)
    throw new EscrowCodeMismatchError(address, `its verifier ${verifier} is not the committed key-transfer verifier`)
}
