import { SNARK_FIELD } from '../core/index.js'
import { BABYJUB_SUBORDER, BASE8, mulPoint } from './babyjub.js'
import { checkBuyerPublicKey } from './buyer-key.js'
import { computeKeyCommitment, splitKey } from './key-commitment.js'
import { KeyTransferError } from './key-transfer-error.js'
import { keyTransferPads } from './key-transfer-pads.js'

/** What a settlement publishes for the buyer: the ephemeral public key and the key's two encrypted limbs. */
export interface EncryptedKey {
  ephemeralPublicKey: [bigint, bigint]
  /** [keyHi + pad_0, keyLo + pad_1] in BN254's scalar field. */
  ciphertext: [bigint, bigint]
}

/** Every signal of circuit KeyTransfer (key-transfer-v1), public and private, by name. */
export type KeyTransferInput = {
  keyCommitment: bigint
  buyerX: bigint
  buyerY: bigint
  ephemeralX: bigint
  ephemeralY: bigint
  cipherHi: bigint
  cipherLo: bigint
  orderNonce: bigint
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
 * Encrypts a 32-byte data key to a buyer's Baby Jubjub public key for one order (the seller's side
 * of trustless delivery): ECDH with a fresh ephemeral key, then the key's limbs plus Poseidon pads
 * bound to the order nonce. Returns what the settlement publishes and the prover's witness input.
 *
 * @example
 * const { ephemeralPublicKey, ciphertext, input } = await encryptKeyForBuyer(dataKey, order.buyerKey, order.nonce)
 * const { proof, publicSignals } = await generateProof(await loadCircuit(KEY_TRANSFER_CIRCUIT), input)
 *
 * @throws {InvalidBuyerKeyError} when the buyer key is not in Base8's prime-order subgroup (or is the identity)
 * @throws {InvalidKeyError} when the key is not 32 bytes
 * @throws {KeyTransferError} when the nonce is not a field element or the ephemeral secret not in [1, l)
 */
export async function encryptKeyForBuyer(
  key: Uint8Array,
  buyerPublicKey: readonly [bigint, bigint],
  orderNonce: bigint,
  options: EncryptKeyForBuyerOptions = {},
): Promise<EncryptedKey & { input: KeyTransferInput }> {
  const { keyHi, keyLo } = splitKey(key)
  checkBuyerPublicKey(buyerPublicKey)
  if (orderNonce < 0n || orderNonce >= SNARK_FIELD)
    throw new KeyTransferError('order-nonce', `orderNonce must be a BN254 field element, got ${orderNonce}`)
  const ephemeralSecret = options.ephemeralSecret ?? randomScalar()
  if (ephemeralSecret <= 0n || ephemeralSecret >= BABYJUB_SUBORDER)
    throw new KeyTransferError('ephemeral-secret', 'ephemeralSecret must lie in [1, l), l the order of Base8')
  const ephemeralPublicKey = mulPoint(BASE8, ephemeralSecret)
  const [pad0, pad1] = await keyTransferPads(mulPoint(buyerPublicKey, ephemeralSecret), orderNonce)
  const ciphertext: [bigint, bigint] = [(keyHi + pad0) % SNARK_FIELD, (keyLo + pad1) % SNARK_FIELD]
  return {
    ephemeralPublicKey,
    ciphertext,
    input: {
      keyCommitment: await computeKeyCommitment(key),
      buyerX: buyerPublicKey[0],
      buyerY: buyerPublicKey[1],
      ephemeralX: ephemeralPublicKey[0],
      ephemeralY: ephemeralPublicKey[1],
      cipherHi: ciphertext[0],
      cipherLo: ciphertext[1],
      orderNonce,
      keyHi,
      keyLo,
      ephemeralSecret,
    },
  }
}
