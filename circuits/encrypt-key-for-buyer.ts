import { SNARK_FIELD } from '../core/index.js'
import { BABYJUB_SUBORDER, BASE8, mulPoint } from './babyjub.js'
import { checkBuyerPublicKey } from './buyer-key.js'
import { computeKeyCommitment, splitKey } from './key-commitment.js'
import { KeyTransferError } from './key-transfer-error.js'
import { keyTransferPads } from './key-transfer-pads.js'

/** What a settlement publishes for the buyer: the ephemeral public key and the key's two encrypted limbs. */
export interface EncryptedKey {
  /** y(s·Base8), X25519-style: the buyer recovers the point up to sign, which serves ECDH alike. */
  ephemeralPublicKey: bigint
  /** [keyHi + pad_0, keyLo + pad_1] in BN254's scalar field. */
  ciphertext: [bigint, bigint]
}

/** Every signal of circuit KeyTransfer (key-transfer-v1), public and private, by name. */
export type KeyTransferInput = {
  keyCommitment: bigint
  /** The buyer public key: a y coordinate. */
  buyerKey: bigint
  /** The ephemeral public key: a y coordinate. */
  ephemeralKey: bigint
  cipherHi: bigint
  cipherLo: bigint
  orderNonce: bigint
  /** Private: an x of the buyer key's point (either root). */
  buyerX: bigint
  keyHi: bigint
  keyLo: bigint
  ephemeralSecret: bigint
}

export interface EncryptKeyForBuyerOptions {
  /** The ephemeral scalar, in [1, l). Default: a fresh random one (set it only in tests). */
  ephemeralSecret?: bigint
}

/** A uniformly random scalar in [1, l): 64 random bytes reduced mod l (bias below 2^-260). */
function randomScalar(): bigint {
  for (;;) {
    const bytes = crypto.getRandomValues(new Uint8Array(64))
    const scalar = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n) % BABYJUB_SUBORDER
    if (scalar !== 0n) return scalar
  }
}

/**
 * Encrypts a 32-byte data key to a buyer's Baby Jubjub public key (a y coordinate, as the order
 * carries it) for one order — the seller's side of trustless delivery: recovers the buyer's point
 * from its y, ECDH with a fresh ephemeral key, then the key's limbs plus Poseidon pads of the
 * shared y bound to the order nonce. Returns what the settlement publishes and the prover's witness input.
 *
 * @example
 * const { ephemeralPublicKey, ciphertext, input } = await encryptKeyForBuyer(dataKey, order.buyerKey, nonce)
 * const { proof } = await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), input)
 *
 * @throws {InvalidBuyerKeyError} when the buyer key is not the y of a point of Base8's prime-order
 * subgroup other than the identity
 * @throws {InvalidKeyError} when the key is not 32 bytes
 * @throws {KeyTransferError} when the nonce is not a field element or the ephemeral secret not in [1, l)
 */
export async function encryptKeyForBuyer(
  key: Uint8Array,
  buyerPublicKey: bigint,
  orderNonce: bigint,
  options: EncryptKeyForBuyerOptions = {},
): Promise<EncryptedKey & { input: KeyTransferInput }> {
  const { keyHi, keyLo } = splitKey(key)
  const buyerPoint = await checkBuyerPublicKey(buyerPublicKey)
  if (orderNonce < 0n || orderNonce >= SNARK_FIELD)
    throw new KeyTransferError('order-nonce', `orderNonce must be a BN254 field element, got ${orderNonce}`)
  const ephemeralSecret = options.ephemeralSecret ?? randomScalar()
  if (ephemeralSecret <= 0n || ephemeralSecret >= BABYJUB_SUBORDER)
    throw new KeyTransferError('ephemeral-secret', 'ephemeralSecret must lie in [1, l), l the order of Base8')
  const ephemeralPublicKey = mulPoint(BASE8, ephemeralSecret)[1]
  const [pad0, pad1] = await keyTransferPads(mulPoint(buyerPoint, ephemeralSecret)[1], orderNonce)
  const ciphertext: [bigint, bigint] = [(keyHi + pad0) % SNARK_FIELD, (keyLo + pad1) % SNARK_FIELD]
  return {
    ephemeralPublicKey,
    ciphertext,
    input: {
      keyCommitment: await computeKeyCommitment(key),
      buyerKey: buyerPublicKey,
      ephemeralKey: ephemeralPublicKey,
      cipherHi: ciphertext[0],
      cipherLo: ciphertext[1],
      orderNonce,
      buyerX: buyerPoint[0],
      keyHi,
      keyLo,
      ephemeralSecret,
    },
  }
}
