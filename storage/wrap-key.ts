import { createCipheriv, createDecipheriv, createECDH, ECDH, hkdfSync, randomBytes } from 'node:crypto'
import { InvalidPublicKeyError, KeyUnwrapError } from './errors.js'

/**
 * ECIES on secp256k1: ephemeral ECDH → HKDF-SHA256 → AES-256-GCM.
 *
 * Wire format (version 1): `0x01 ∥ ephemeral public key (33 bytes, compressed) ∥ nonce (12) ∥
 * ciphertext ∥ tag (16)`. HKDF: ikm = ECDH x-coordinate, salt = ephemeral ∥ recipient public keys
 * (compressed), info = "assay-ecies-v1" ∥ context. AAD = the same salt ∥ context, so a wrapped key
 * only opens for the recipient and purpose it was made for.
 */
export const ECIES_VERSION = 1
const INFO = new TextEncoder().encode('assay-ecies-v1')
const EPHEMERAL_BYTES = 33
const NONCE_BYTES = 12
const TAG_BYTES = 16

export interface WrapOptions {
  /** Binds the wrapped key to a purpose, e.g. `dataset:42`; unwrap must pass the same. */
  context?: Uint8Array | string
}

/** Validates a secp256k1 public key (compressed or not, bytes or hex) and returns it compressed. */
function compressPublicKey(publicKey: Uint8Array | string): Buffer {
  const bytes = typeof publicKey === 'string' ? Buffer.from(publicKey.replace(/^0x/, ''), 'hex') : Buffer.from(publicKey)
  try {
    return ECDH.convertKey(bytes, 'secp256k1', undefined, undefined, 'compressed') as Buffer
  } catch (err) {
    throw new InvalidPublicKeyError('recipient public key is not a valid secp256k1 point', { cause: err })
  }
}

function contextBytes(context: WrapOptions['context']): Buffer {
  if (context === undefined) return Buffer.alloc(0)
  return typeof context === 'string' ? Buffer.from(context, 'utf8') : Buffer.from(context)
}

function deriveKey(shared: Buffer, salt: Buffer, context: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, salt, Buffer.concat([INFO, context]), 32))
}

/**
 * Wraps `payload` (a data key, or a key with its batch salts) to a secp256k1 public key
 * (33-byte compressed or 65-byte uncompressed, bytes or hex).
 */
export function wrapKey(recipientPublicKey: Uint8Array | string, payload: Uint8Array, options: WrapOptions = {}): Uint8Array {
  const recipient = compressPublicKey(recipientPublicKey)
  const ephemeral = createECDH('secp256k1')
  ephemeral.generateKeys()
  const ephemeralPub = ephemeral.getPublicKey(undefined, 'compressed')
  const shared = ephemeral.computeSecret(recipient)
  const context = contextBytes(options.context)
  const salt = Buffer.concat([ephemeralPub, recipient])
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', deriveKey(shared, salt, context), nonce)
  cipher.setAAD(Buffer.concat([salt, context]))
  const body = Buffer.concat([cipher.update(payload), cipher.final()])
  return new Uint8Array(Buffer.concat([Buffer.from([ECIES_VERSION]), ephemeralPub, nonce, body, cipher.getAuthTag()]))
}

/**
 * Opens a wrapped key with the recipient's secp256k1 private key (32 bytes or hex).
 *
 * @throws {KeyUnwrapError} wrong recipient, wrong context, altered bytes, or unknown version.
 */
export function unwrapKey(recipientPrivateKey: Uint8Array | string, wrapped: Uint8Array, options: WrapOptions = {}): Uint8Array {
  if (wrapped.length < 1 + EPHEMERAL_BYTES + NONCE_BYTES + TAG_BYTES)
    throw new KeyUnwrapError(`wrapped key too short (${wrapped.length} bytes)`)
  if (wrapped[0] !== ECIES_VERSION) throw new KeyUnwrapError(`unsupported wrapped-key version ${wrapped[0]}`)
  const bytes = Buffer.from(wrapped)
  const ephemeralPub = bytes.subarray(1, 1 + EPHEMERAL_BYTES)
  const nonce = bytes.subarray(1 + EPHEMERAL_BYTES, 1 + EPHEMERAL_BYTES + NONCE_BYTES)
  const body = bytes.subarray(1 + EPHEMERAL_BYTES + NONCE_BYTES, bytes.length - TAG_BYTES)
  const tag = bytes.subarray(bytes.length - TAG_BYTES)
  const me = createECDH('secp256k1')
  try {
    me.setPrivateKey(
      typeof recipientPrivateKey === 'string'
        ? Buffer.from(recipientPrivateKey.replace(/^0x/, ''), 'hex')
        : Buffer.from(recipientPrivateKey),
    )
  } catch (err) {
    throw new KeyUnwrapError('recipient private key is not a valid secp256k1 key', { cause: err })
  }
  let shared: Buffer
  try {
    shared = me.computeSecret(ephemeralPub)
  } catch (err) {
    throw new KeyUnwrapError('ephemeral public key is not a valid secp256k1 point', { cause: err })
  }
  const context = contextBytes(options.context)
  const salt = Buffer.concat([ephemeralPub, me.getPublicKey(undefined, 'compressed')])
  const decipher = createDecipheriv('aes-256-gcm', deriveKey(shared, salt, context), nonce)
  decipher.setAAD(Buffer.concat([salt, context]))
  decipher.setAuthTag(tag)
  try {
    return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]))
  } catch (err) {
    throw new KeyUnwrapError('cannot open the wrapped key: wrong recipient key, wrong context, or altered bytes', { cause: err })
  }
}
