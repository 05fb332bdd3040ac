import { AssayError } from '../core/index.js'

/** The bytes are not an Assay envelope, or one of a version/parameters this code does not read. */
export class EnvelopeFormatError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'EnvelopeFormatError'
  }
}

/** The key does not open this envelope (its key check differs). Nothing was decrypted. */
export class WrongKeyError extends AssayError {
  override readonly category = 'forbidden' as const
  constructor(message = 'the key does not open this envelope', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'WrongKeyError'
  }
}

/**
 * A chunk failed authentication: flipped bits, reordered, dropped or duplicated chunks, a changed
 * header, or data after the final chunk. `chunkIndex` is where it was noticed.
 */
export class EnvelopeTamperedError extends AssayError {
  override readonly category = 'tampered' as const
  readonly chunkIndex: number
  constructor(chunkIndex: number, message: string, options?: { cause?: unknown }) {
    super(`chunk ${chunkIndex}: ${message}`, options)
    this.name = 'EnvelopeTamperedError'
    this.chunkIndex = chunkIndex
  }
}

/** The envelope ends before its final chunk: the stream was cut short. */
export class TruncatedEnvelopeError extends AssayError {
  override readonly category = 'tampered' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TruncatedEnvelopeError'
  }
}

/** A wrapped key could not be opened: wrong recipient key, wrong context, or altered bytes. */
export class KeyUnwrapError extends AssayError {
  override readonly category = 'forbidden' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'KeyUnwrapError'
  }
}

/** The keystore cannot store or return a key (missing, corrupted, or wrong master key). */
export class KeystoreError extends AssayError {
  override readonly category = 'internal' as const
  readonly keyId: string | undefined
  constructor(keyId: string | undefined, message: string, options?: { cause?: unknown }) {
    super(keyId === undefined ? message : `${keyId}: ${message}`, options)
    this.name = 'KeystoreError'
    this.keyId = keyId
  }
}

/** Content is not held by this node (and could not be fetched in time). */
export class ContentNotFoundError extends AssayError {
  override readonly category = 'not-found' as const
  readonly cid: string
  constructor(cid: string, message: string, options?: { cause?: unknown }) {
    super(`${cid}: ${message}`, options)
    this.name = 'ContentNotFoundError'
    this.cid = cid
  }
}

/** A public key that is not a valid secp256k1 point. */
export class InvalidPublicKeyError extends AssayError {
  override readonly category = 'bad-input' as const
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'InvalidPublicKeyError'
  }
}

/** A block whose bytes do not hash to its CID (disk corruption or tampering). */
export class ContentCorruptedError extends AssayError {
  override readonly category = 'tampered' as const
  readonly cid: string
  constructor(cid: string, message: string, options?: { cause?: unknown }) {
    super(`${cid}: ${message}`, options)
    this.name = 'ContentCorruptedError'
    this.cid = cid
  }
}
