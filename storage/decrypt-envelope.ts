import { createDecipheriv, createHash } from 'node:crypto'
import { concatBytes } from './concat-bytes.js'
import { assertDataKey } from './data-key.js'
import { computeKeyCheck } from './encrypt-envelope.js'
import { TAG_BYTES } from './envelope-format.js'
import { openEnvelope } from './open-envelope.js'

/** The parts of ciphertext ∥ tag split into the ciphertext's parts and the 16-byte tag. */
function splitTag(sealed: readonly Uint8Array[]): { body: Uint8Array[]; tag: Uint8Array } {
  const body: Uint8Array[] = []
  const tagParts: Uint8Array[] = []
  let tail = TAG_BYTES
  for (let i = sealed.length - 1; i >= 0; i--) {
    const part = sealed[i]!
    const take = Math.min(tail, part.length)
    if (take > 0) tagParts.unshift(part.subarray(part.length - take))
    tail -= take
    if (part.length > take) body.unshift(part.subarray(0, part.length - take))
  }
  return { body, tag: tagParts.length === 1 ? tagParts[0]! : concatBytes(tagParts) }
}

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
      // Decipher the parts as they are (no join); only a tag split across parts is copied.
      const { body, tag } = splitTag(sealed)
      const decipher = createDecipheriv('aes-256-gcm', key, nonce)
      decipher.setAAD(aad)
      decipher.setAuthTag(tag)
      const plain = body.map((part) => decipher.update(part))
      try {
        decipher.final()
        return Promise.resolve(plain)
      } catch {
        return Promise.resolve(undefined)
      }
    },
  })
}
