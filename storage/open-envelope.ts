import { ByteReader } from './byte-reader.js'
import { chunkAad, chunkNonce, decodeHeader, HEADER_BYTES, TAG_BYTES } from './envelope-format.js'
import { EnvelopeTamperedError, TruncatedEnvelopeError, WrongKeyError } from './errors.js'

/** The primitives a decryptor needs, bound to one data key: Node's crypto or WebCrypto. */
export interface EnvelopeCrypto {
  /** HMAC-SHA256(key, label ∥ noncePrefix), first 16 bytes (the header's key check). */
  keyCheck(noncePrefix: Uint8Array): Promise<Uint8Array>
  sha256(bytes: Uint8Array): Promise<Uint8Array>
  /**
   * AES-256-GCM open of ciphertext ∥ tag, given in parts (views into the source's pieces, so a
   * streaming decipher needs no copy); the plaintext in parts, or undefined when authentication
   * fails.
   */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: readonly Uint8Array[]): Promise<Uint8Array[] | undefined>
}

/**
 * Reads an `assay-aes256gcm-stream-v1` envelope chunk by chunk with the given primitives: the
 * header and key check first, then each chunk authenticated before any of its plaintext is
 * yielded. One reading of the format for every runtime (browser-safe); memory stays at about one
 * chunk.
 *
 * @throws {EnvelopeFormatError} not an envelope, or unsupported version/parameters
 * @throws {WrongKeyError} the key does not open it (checked before any chunk)
 * @throws {EnvelopeTamperedError} a chunk fails authentication (bit flips, reordering, duplication, dropped chunks, trailing data)
 * @throws {TruncatedEnvelopeError} the stream ends before the final chunk
 */
export async function* openEnvelope(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  crypto: EnvelopeCrypto,
): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(source)
  try {
    const headerBytes = await reader.read(HEADER_BYTES)
    if (headerBytes.length < HEADER_BYTES)
      throw new TruncatedEnvelopeError(`envelope ends inside its header (${headerBytes.length} of ${HEADER_BYTES} bytes)`)
    const header = decodeHeader(headerBytes)
    const check = await crypto.keyCheck(header.noncePrefix)
    // The check is public (it is in the header), so a plain comparison leaks nothing.
    if (check.length !== header.keyCheck.length || check.some((b, i) => b !== header.keyCheck[i])) throw new WrongKeyError()
    const headerHash = await crypto.sha256(headerBytes)
    const sealedSize = header.chunkSize + TAG_BYTES
    const open = (index: number, last: boolean, sealed: readonly Uint8Array[]): Promise<Uint8Array[] | undefined> =>
      crypto.open(chunkNonce(header.noncePrefix, index), chunkAad(headerHash, index, last), sealed)

    for (let index = 0; ; index++) {
      const sealed = await reader.readParts(sealedSize)
      const sealedLength = sealed.reduce((n, part) => n + part.length, 0)
      if (sealedLength < TAG_BYTES) {
        throw new TruncatedEnvelopeError(sealedLength === 0 ? `envelope ends before chunk ${index}` : `envelope ends inside chunk ${index}`)
      }
      const last = sealedLength < sealedSize || (await reader.atEnd())
      const plain = await open(index, last, sealed)
      if (plain !== undefined) {
        for (const part of plain) if (part.length > 0) yield part
        if (last) return
        continue
      }
      // Authentication failed. Tell a cut-off stream and appended data apart from other tampering
      // by asking whether the chunk was sealed with the other last-chunk flag.
      if ((await open(index, !last, sealed)) !== undefined) {
        if (last) throw new TruncatedEnvelopeError(`envelope ends after chunk ${index}, which is not its final chunk`)
        throw new EnvelopeTamperedError(index + 1, 'data follows the final chunk')
      }
      throw new EnvelopeTamperedError(index, 'authentication failed (altered, reordered, duplicated or missing data)')
    }
  } finally {
    await reader.cancel()
  }
}
