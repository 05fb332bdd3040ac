import { getBytes, sha256, type Signer } from 'ethers'
import { buyerKeyFromSeed, type BuyerKey } from '../circuits/index.js'
import type { Deployment } from '../contracts/index.js'
import { buyerKeyMessage } from './buyer-key-message.js'

/**
 * The buyer key of trustless key delivery, derived from the wallet so that nothing new is stored:
 * the wallet signs `buyerKeyMessage` (personal_sign), seed = SHA-256(signature bytes), and
 * `buyerKeyFromSeed(seed)`. Deterministic because wallets sign with RFC 6979 nonces (ethers,
 * MetaMask, hardware wallets): the same account, escrow and chain always give the same key. A
 * wallet that randomises its signatures (some MPC or smart-contract wallets) gives another key
 * each time; such a buyer uses a key file instead (`assay buy --trustless --buyer-key-file`).
 *
 * @example
 * const buyer = await deriveBuyerKey(signer, await client.deployment())
 * // buyer.publicKey goes into the order; buyer.secret opens the settlement
 */
export async function deriveBuyerKey(
  signer: Pick<Signer, 'getAddress' | 'signMessage'>,
  deployment: Pick<Deployment, 'chainId'> & { contracts: Pick<Deployment['contracts'], 'keyEscrow'> },
): Promise<BuyerKey> {
  const message = buyerKeyMessage({ chainId: deployment.chainId, keyEscrow: deployment.contracts.keyEscrow }, await signer.getAddress())
  const signature = await signer.signMessage(message)
  return buyerKeyFromSeed(getBytes(sha256(getBytes(signature))))
}
