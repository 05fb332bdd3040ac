import { getAddress } from 'ethers'

/** Where the escrow a buyer key is for lives: the chain and the KeyEscrow contract. */
export interface BuyerKeyScope {
  chainId: number
  /** The KeyEscrow contract's address. */
  keyEscrow: string
}

/**
 * The text a buyer's wallet signs (personal_sign) to derive the buyer key of trustless key
 * delivery: fixed, human-readable, naming the account, the escrow and the chain, so a signature
 * for one escrow gives no key for another. Documented in docs/buying-and-auditing.md; changing a
 * character changes every buyer's key, so it is versioned.
 */
export function buyerKeyMessage(scope: BuyerKeyScope, account: string): string {
  return [
    'Assay buyer key',
    '',
    'Signing this message is free: it sends no transaction and moves no funds.',
    'It only derives the key that receives the dataset keys you buy through',
    "Assay's key escrow, so that nothing new has to be stored. Whoever holds",
    'this signature can read those dataset keys: sign it only in Assay.',
    '',
    `Account: ${getAddress(account)}`,
    `Key escrow: ${getAddress(scope.keyEscrow)}`,
    `Chain id: ${scope.chainId}`,
    'Version: 1',
  ].join('\n')
}
