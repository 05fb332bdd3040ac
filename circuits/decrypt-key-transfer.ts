import { SNARK_FIELD } from '../core/index.js'
import { BABYJUB_SUBORDER, mulPoint, pointFromY } from './babyjub.js'
import type { EncryptedKey } from './encrypt-key-for-buyer.js'
import { getPoseidon } from './key-commitment.js'
import { KeyTransferError } from './key-transfer-error.js'
import { keyTransferPads } from './key-transfer-pads.js'

/** A settled key transfer as the buyer reads it from the settlement event and the dataset's anchor. */
export interface KeyTransfer extends EncryptedKey {
  orderNonce: bigint
  /** The dataset's anchored key commitment, Poseidon(keyHi, keyLo). */
  keyCommitment: bigint
}

const LIMB = 1n << 128n

/**
 * Opens a key transfer with the buyer's secret (the buyer's side of trustless delivery): recovers
 * the ephemeral point from its y (up to sign), takes the y of the ECDH point `secret·ephemeral`
 * (the same for either sign), the order's pads, the limbs, and checks that they open the anchored
 * key commitment — so a wrong secret, order or commitment never yields a plausible key.
 *
 * @throws {KeyTransferError} `limb-out-of-range` or `commitment-mismatch` when the ciphertext does
 * not open to the committed key under this secret and order; a parameter fault for malformed input
 * (`ephemeral-key` for a y of no curve point)
 */
export async function decryptKeyTransfer(buyerSecret: bigint, transfer: KeyTransfer): Promise<Uint8Array> {
  const { ephemeralPublicKey, ciphertext, orderNonce, keyCommitment } = transfer
  if (buyerSecret <= 0n || buyerSecret >= BABYJUB_SUBORDER)
    throw new KeyTransferError('buyer-secret', 'buyerSecret must lie in [1, l), l the order of Base8 (see buyerKeyFromSeed)')
  if (orderNonce < 0n || orderNonce >= SNARK_FIELD)
    throw new KeyTransferError('order-nonce', `orderNonce must be a BN254 field element, got ${orderNonce}`)
  if (!ciphertext.every((c) => c >= 0n && c < SNARK_FIELD))
    throw new KeyTransferError('ciphertext', 'ciphertext limbs must be BN254 field elements')
  const ephemeral = await pointFromY(ephemeralPublicKey)
  if (ephemeral === undefined)
    throw new KeyTransferError('ephemeral-key', `ephemeral public key ${ephemeralPublicKey} is not the y of a Baby Jubjub point`)
  const [pad0, pad1] = await keyTransferPads(mulPoint(ephemeral, buyerSecret)[1], orderNonce)
  const keyHi = (ciphertext[0] - pad0 + SNARK_FIELD) % SNARK_FIELD
  const keyLo = (ciphertext[1] - pad1 + SNARK_FIELD) % SNARK_FIELD
  if (keyHi >= LIMB || keyLo >= LIMB)
    throw new KeyTransferError(
      'limb-out-of-range',
      'the key transfer does not open to a 32-byte key under this buyer secret and order nonce (a limb exceeds 128 bits)',
    )
  const poseidon = await getPoseidon()
  if (poseidon.F.toObject(poseidon([keyHi, keyLo])) !== keyCommitment)
    throw new KeyTransferError(
      'commitment-mismatch',
      `the key transfer opens to a key whose commitment is not ${keyCommitment} (another buyer secret, order or dataset)`,
    )
  const key = new Uint8Array(32)
  for (let i = 0; i < 16; i++) {
    key[15 - i] = Number((keyHi >> BigInt(8 * i)) & 0xffn)
    key[31 - i] = Number((keyLo >> BigInt(8 * i)) & 0xffn)
  }
  return key
}
