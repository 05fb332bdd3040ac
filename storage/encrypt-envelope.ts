import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto'
import { ByteReader } from './byte-reader.js'
import {
  chunkAad,
  chunkNonce,
  DEFAULT_CHUNK_SIZE,
  encodeHeader,
  KEY_CHECK_BYTES,
  KEY_CHECK_LABEL,
  MAX_CHUNKS,
  NONCE_PREFIX_BYTES,
  assertChunkSize,
} from './envelope-format.js'
import { EnvelopeFormatError } from './errors.js'
import { assertDataKey } from './data-key.js'

export interface EncryptOptions {
  /** Plaintext bytes per chunk. Default 1 MiB. */
  chunkSize?: number
  /** Fixed nonce prefix, for test vectors only; default 8 random bytes. */
  noncePrefix?: Uint8Array
}

/** The key check stored in the header: HMAC-SHA256(key, label ∥ noncePrefix), first 16 bytes. */
export function computeKeyCheck(key: Uint8Array, noncePrefix: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(KEY_CHECK_LABEL).update(noncePrefix).digest().subarray(0, KEY_CHECK_BYTES))
}

/**
 * Encrypts a byte stream into an `assay-aes256gcm-stream-v1` envelope, one chunk at a time:
 * memory stays at about one chunk whatever the input size.
 */
export async function* encryptEnvelope(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  key: Uint8Array,
  options: EncryptOptions = {},
): AsyncGenerator<Uint8Array> {
  assertDataKey(key)
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  assertChunkSize(chunkSize)
  const noncePrefix = options.noncePrefix ?? new Uint8Array(randomBytes(NONCE_PREFIX_BYTES))
  if (noncePrefix.length !== NONCE_PREFIX_BYTES) throw new EnvelopeFormatError('nonce prefix must be 8 bytes')
  const header = encodeHeader({ chunkSize, noncePrefix, keyCheck: computeKeyCheck(key, noncePrefix) })
  const headerHash = createHash('sha256').update(header).digest()
  yield header

  const reader = new ByteReader(source)
  let index = 0
  let chunk = await reader.read(chunkSize)
  for (;;) {
    // A chunk is the last one when nothing follows it; an empty input still gets one (empty) chunk.
    const last = chunk.length < chunkSize || (await reader.atEnd())
    if (index >= MAX_CHUNKS) throw new EnvelopeFormatError(`more than ${MAX_CHUNKS} chunks; use a larger chunk size`)
    const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(noncePrefix, index))
    cipher.setAAD(chunkAad(headerHash, index, last))
    const body = cipher.update(chunk)
    cipher.final()
    yield body
    yield cipher.getAuthTag()
    if (last) return
    index += 1
    chunk = await reader.read(chunkSize)
  }
}
