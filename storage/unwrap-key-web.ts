import { SigningKey, getBytes, hexlify } from 'ethers'
import { concatBytes } from './concat-bytes.js'
import { KeyUnwrapError } from './errors.js'

// The browser-safe twin of wrap-key.ts's unwrapKey (same wire format, version 1), built on
// WebCrypto and ethers' secp256k1, so buyers open released keys in a browser as in Node.
const VERSION = 1
const EPHEMERAL_BYTES = 33
const NONCE_BYTES = 12
const TAG_BYTES = 16
const INFO = new TextEncoder().encode('assay-ecies-v1')

const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => concatBytes(parts)

/**
 * Opens a key wrapped by `wrapKey` with the recipient's secp256k1 private key (0x hex or bytes).
 *
 * @throws {KeyUnwrapError} wrong recipient, wrong context, altered bytes, or unknown version.
 */
export async function unwrapKeyWeb(
  recipientPrivateKey: Uint8Array | string,
  wrapped: Uint8Array,
  options: { context?: string | Uint8Array } = {},
): Promise<Uint8Array> {
  if (wrapped.length < 1 + EPHEMERAL_BYTES + NONCE_BYTES + TAG_BYTES)
    throw new KeyUnwrapError(`wrapped key too short (${wrapped.length} bytes)`)
  if (wrapped[0] !== VERSION) throw new KeyUnwrapError(`unsupported wrapped-key version ${wrapped[0]}`)
  const ephemeralPub = wrapped.subarray(1, 1 + EPHEMERAL_BYTES)
  const nonce = wrapped.slice(1 + EPHEMERAL_BYTES, 1 + EPHEMERAL_BYTES + NONCE_BYTES)
  const sealed = wrapped.slice(1 + EPHEMERAL_BYTES + NONCE_BYTES)
  let me: SigningKey
  let shared: Uint8Array
  try {
    me = new SigningKey(typeof recipientPrivateKey === 'string' ? recipientPrivateKey : hexlify(recipientPrivateKey))
  } catch (err) {
    throw new KeyUnwrapError('recipient private key is not a valid secp256k1 key', { cause: err })
  }
  try {
    shared = getBytes(me.computeSharedSecret(hexlify(ephemeralPub))).subarray(1, 33) // x of the shared point
  } catch (err) {
    throw new KeyUnwrapError('ephemeral public key is not a valid secp256k1 point', { cause: err })
  }
  const context =
    options.context === undefined
      ? new Uint8Array(0)
      : typeof options.context === 'string'
        ? new TextEncoder().encode(options.context)
        : options.context
  const salt = concat(ephemeralPub, getBytes(SigningKey.computePublicKey(me.publicKey, true)))
  const ikm = await crypto.subtle.importKey('raw', concat(shared), 'HKDF', false, ['deriveKey'])
  const aesKey = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: concat(INFO, context) },
    ikm,
    { name: 'AES-GCM', length: 256 },
    false,
    ['decrypt'],
  )
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: concat(salt, context), tagLength: 128 }, aesKey, sealed),
    )
  } catch (err) {
    throw new KeyUnwrapError('cannot open the wrapped key: wrong recipient or context, or altered bytes', { cause: err })
  }
}
