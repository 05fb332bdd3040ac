import { ByteReader } from './byte-reader.js'
import { assertDataKey } from './data-key.js'
import { chunkAad, chunkNonce, decodeHeader, HEADER_BYTES, KEY_CHECK_BYTES, KEY_CHECK_LABEL, TAG_BYTES } from './envelope-format.js'
import { EnvelopeTamperedError, TruncatedEnvelopeError, WrongKeyError } from './errors.js'

type Bytes = Uint8Array<ArrayBuffer>
const bytes = (b: Uint8Array): Bytes => b as Bytes

/**
 * decryptEnvelope on WebCrypto, for browsers (and any runtime with `crypto.subtle`): the same
 * format, checks and errors as the Node decryptor. Each chunk is authenticated before any of its
 * plaintext is yielded; memory stays at about one chunk.
 *
 * @throws {EnvelopeFormatError} not an envelope, or unsupported version/parameters
 * @throws {WrongKeyError} the key does not open it (checked before any chunk)
 * @throws {EnvelopeTamperedError} a chunk fails authentication
 * @throws {TruncatedEnvelopeError} the stream ends before the final chunk
 */
export async function* decryptEnvelopeWeb(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  key: Uint8Array,
): AsyncGenerator<Uint8Array> {
  assertDataKey(key)
  const subtle = globalThis.crypto.subtle
  const reader = new ByteReader(source)
  try {
    const headerBytes = await reader.read(HEADER_BYTES)
    if (headerBytes.length < HEADER_BYTES)
      throw new TruncatedEnvelopeError(`envelope ends inside its header (${headerBytes.length} of ${HEADER_BYTES} bytes)`)
    const header = decodeHeader(headerBytes)
    const hmacKey = await subtle.importKey('raw', bytes(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    const checkInput = new Uint8Array(KEY_CHECK_LABEL.length + header.noncePrefix.length)
    checkInput.set(KEY_CHECK_LABEL)
    checkInput.set(header.noncePrefix, KEY_CHECK_LABEL.length)
    const check = new Uint8Array(await subtle.sign('HMAC', hmacKey, checkInput)).subarray(0, KEY_CHECK_BYTES)
    // The check is public (it is in the header), so a plain comparison leaks nothing.
    if (check.some((b, i) => b !== header.keyCheck[i])) throw new WrongKeyError()
    const aesKey = await subtle.importKey('raw', bytes(key), 'AES-GCM', false, ['decrypt'])
    const headerHash = new Uint8Array(await subtle.digest('SHA-256', bytes(headerBytes)))
    const sealedSize = header.chunkSize + TAG_BYTES
    const open = async (index: number, last: boolean, sealed: Uint8Array): Promise<Uint8Array | undefined> => {
      try {
        const iv = bytes(chunkNonce(header.noncePrefix, index))
        const additionalData = bytes(chunkAad(headerHash, index, last))
        return new Uint8Array(
          await subtle.decrypt({ name: 'AES-GCM', iv, additionalData, tagLength: TAG_BYTES * 8 }, aesKey, bytes(sealed)),
        )
      } catch {
        return undefined
      }
    }

    for (let index = 0; ; index++) {
      const sealed = await reader.read(sealedSize)
      if (sealed.length < TAG_BYTES) {
        throw new TruncatedEnvelopeError(
          sealed.length === 0 ? `envelope ends before chunk ${index}` : `envelope ends inside chunk ${index}`,
        )
      }
      const last = sealed.length < sealedSize || (await reader.atEnd())
      const plain = await open(index, last, sealed)
      if (plain !== undefined) {
        yield plain
        if (last) return
        continue
      }
      // As the Node decryptor: tell a cut-off stream and appended data apart from other tampering.
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
