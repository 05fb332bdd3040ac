import { getPoseidon } from './key-commitment.js'

/** "assay.key-transfer.v1" as a big-endian integer: the domain of KeyTransfer's pads. */
export const KEY_TRANSFER_DOMAIN = BigInt(
  `0x${Array.from(new TextEncoder().encode('assay.key-transfer.v1'), (b) => b.toString(16).padStart(2, '0')).join('')}`,
)

/**
 * The two one-time pads of a key transfer, `pad_i = Poseidon(DOMAIN, sharedY, orderNonce, i)` for
 * i = 0, 1 — the JS mirror of circuit KeyTransfer's. Only the shared point's y enters: the seller's
 * s·buyer and the buyer's b·ephemeral may differ in sign, never in y. The order nonce makes the
 * pads, and so a ciphertext, good for one order only.
 */
export async function keyTransferPads(sharedY: bigint, orderNonce: bigint): Promise<[bigint, bigint]> {
  const poseidon = await getPoseidon()
  const pad = (i: bigint): bigint => poseidon.F.toObject(poseidon([KEY_TRANSFER_DOMAIN, sharedY, orderNonce, i]))
  return [pad(0n), pad(1n)]
}
