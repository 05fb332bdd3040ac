import { createDecipheriv, createHash } from 'node:crypto'
import { assertDataKey } from './data-key.js'
import { computeKeyCheck } from './encrypt-envelope.js'
import { TAG_BYTES } from './envelope-format.js'
import { openEnvelope } from './open-envelope.js'

/**
 * Decrypts an `assay-aes256gcm-stream-v1` envelope as a stream with Node's crypto (see
 * openEnvelope for the checks and errors; decryptEnvelopeWeb is the WebCrypto twin).
 */
export function decryptEnvelope(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, key: Uint8Array): AsyncGenerator<Uint8Array> {
  assertDataKey(key)
  return openEnvelope(source, {
    keyCheck: (noncePrefix) => Promise.resolve(computeKeyCheck(key, noncePrefix)),
    sha256: (bytes) => Promise.resolve(new Uint8Array(createHash('sha256').update(bytes).digest())),
    open(nonce, aad, sealed) {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce)
      decipher.setAAD(aad)
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
      const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
      try {
        decipher.final()
        return Promise.resolve(plain)
      } catch {
        return Promise.resolve(undefined)
      }
    },
  })
}
