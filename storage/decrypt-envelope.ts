import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto'
import { ByteReader } from './byte-reader.js'
import { computeKeyCheck } from './encrypt-envelope.js'
import { chunkAad, chunkNonce, decodeHeader, HEADER_BYTES, TAG_BYTES } from './envelope-format.js'
import { EnvelopeTamperedError, TruncatedEnvelopeError, WrongKeyError } from './errors.js'
import { assertDataKey } from './data-key.js'

function open(
  key: Uint8Array,
  noncePrefix: Uint8Array,
  headerHash: Uint8Array,
  index: number,
  last: boolean,
  sealed: Uint8Array,
): Buffer | undefined {
  const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(noncePrefix, index))
  decipher.setAAD(chunkAad(headerHash, index, last))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
  try {
    decipher.final()
    return plain
  } catch {
    return undefined
  }
}

/**
 * Decrypts an `assay-aes256gcm-stream-v1` envelope as a stream. Each chunk is authenticated
 * before any of its plaintext is yielded, so a consumer never sees unverified bytes; memory stays
 * at about one chunk.
 *
 * @throws {EnvelopeFormatError} not an envelope, or unsupported version/parameters
 * @throws {WrongKeyError} the key does not open it (checked before any chunk)
 * @throws {EnvelopeTamperedError} a chunk fails authentication (bit flips, reordering, duplication, dropped chunks, trailing data)
 * @throws {TruncatedEnvelopeError} the stream ends before the final chunk
 */
export async function* decryptEnvelope(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  key: Uint8Array,
): AsyncGenerator<Uint8Array> {
  assertDataKey(key)
  const reader = new ByteReader(source)
  try {
    const headerBytes = await reader.read(HEADER_BYTES)
    if (headerBytes.length < HEADER_BYTES)
      throw new TruncatedEnvelopeError(`envelope ends inside its header (${headerBytes.length} of ${HEADER_BYTES} bytes)`)
    const header = decodeHeader(headerBytes)
    if (!timingSafeEqual(computeKeyCheck(key, header.noncePrefix), header.keyCheck)) throw new WrongKeyError()
    const headerHash = createHash('sha256').update(headerBytes).digest()
    const sealedSize = header.chunkSize + TAG_BYTES

    for (let index = 0; ; index++) {
      const sealed = await reader.read(sealedSize)
      if (sealed.length < TAG_BYTES) {
        throw new TruncatedEnvelopeError(
          sealed.length === 0 ? `envelope ends before chunk ${index}` : `envelope ends inside chunk ${index}`,
        )
      }
      const last = sealed.length < sealedSize || (await reader.atEnd())
      const plain = open(key, header.noncePrefix, headerHash, index, last, sealed)
      if (plain !== undefined) {
        yield plain
        if (last) return
        continue
      }
      // Authentication failed. Tell a cut-off stream and appended data apart from other tampering
      // by asking whether the chunk was sealed with the other last-chunk flag.
      if (open(key, header.noncePrefix, headerHash, index, !last, sealed) !== undefined) {
        if (last) throw new TruncatedEnvelopeError(`envelope ends after chunk ${index}, which is not its final chunk`)
        throw new EnvelopeTamperedError(index + 1, 'data follows the final chunk')
      }
      throw new EnvelopeTamperedError(index, 'authentication failed (altered, reordered, duplicated or missing data)')
    }
  } finally {
    await reader.cancel()
  }
}
