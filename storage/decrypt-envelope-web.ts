import { concatBytes } from './concat-bytes.js'
import { assertDataKey } from './data-key.js'
import { KEY_CHECK_BYTES, KEY_CHECK_LABEL, TAG_BYTES } from './envelope-format.js'
import { openEnvelope } from './open-envelope.js'

type Bytes = Uint8Array<ArrayBuffer>
const bytes = (b: Uint8Array): Bytes => b as Bytes

/**
 * decryptEnvelope on WebCrypto, for browsers (and any runtime with `crypto.subtle`): the same
 * reading of the format, checks and errors (openEnvelope), with WebCrypto's HMAC, SHA-256 and
 * AES-GCM.
 */
export function decryptEnvelopeWeb(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, key: Uint8Array): AsyncGenerator<Uint8Array> {
  assertDataKey(key)
  const subtle = globalThis.crypto.subtle
  let hmacKey: Promise<CryptoKey> | undefined
  let aesKey: Promise<CryptoKey> | undefined
  return openEnvelope(source, {
    async keyCheck(noncePrefix) {
      hmacKey ??= subtle.importKey('raw', bytes(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
      const input = new Uint8Array(KEY_CHECK_LABEL.length + noncePrefix.length)
      input.set(KEY_CHECK_LABEL)
      input.set(noncePrefix, KEY_CHECK_LABEL.length)
      return new Uint8Array(await subtle.sign('HMAC', await hmacKey, input)).subarray(0, KEY_CHECK_BYTES)
    },
    sha256: async (data) => new Uint8Array(await subtle.digest('SHA-256', bytes(data))),
    async open(nonce, aad, sealed) {
      aesKey ??= subtle.importKey('raw', bytes(key), 'AES-GCM', false, ['decrypt'])
      try {
        const algorithm = { name: 'AES-GCM', iv: bytes(nonce), additionalData: bytes(aad), tagLength: TAG_BYTES * 8 }
        const joined = sealed.length === 1 ? sealed[0]! : concatBytes(sealed)
        return [new Uint8Array(await subtle.decrypt(algorithm, await aesKey, bytes(joined)))]
      } catch {
        return undefined
      }
    },
  })
}
