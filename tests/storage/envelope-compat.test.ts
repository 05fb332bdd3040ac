import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto'
import { expect } from 'chai'
import { chunkAad, chunkNonce, decryptEnvelopeWeb, encodeHeader, generateDataKey, TAG_BYTES } from '../../storage/index.js'
import { decryptEnvelope, encryptEnvelope } from '../../storage/node.js'
import { collect, pieces, pseudoRandomBytes, sha256 } from '../helpers/bytes.js'

/**
 * assay-aes256gcm-stream-v1 sealed one chunk at a time with Node's createCipheriv, straight from
 * storage/ENVELOPE.md: an implementation independent of encryptEnvelope, so a change to it cannot change the format unnoticed.
 */
function referenceSeal(plain: Uint8Array, key: Uint8Array, chunkSize: number, noncePrefix: Uint8Array): Uint8Array {
  const label = new TextEncoder().encode('assay-aes256gcm-stream-v1/key-check')
  const keyCheck = createHmac('sha256', key).update(label).update(noncePrefix).digest().subarray(0, 16)
  const header = encodeHeader({ chunkSize, noncePrefix, keyCheck })
  const headerHash = createHash('sha256').update(header).digest()
  const parts: Uint8Array[] = [header]
  const chunks = Math.max(1, Math.ceil(plain.length / chunkSize))
  for (let i = 0; i < chunks; i++) {
    const cipher = createCipheriv('aes-256-gcm', key, chunkNonce(noncePrefix, i))
    cipher.setAAD(chunkAad(headerHash, i, i === chunks - 1))
    parts.push(cipher.update(plain.subarray(i * chunkSize, (i + 1) * chunkSize)))
    cipher.final()
    parts.push(cipher.getAuthTag())
  }
  return new Uint8Array(Buffer.concat(parts))
}

describe('envelope compatibility across encryptor implementations', function () {
  this.timeout(60_000)
  const key = generateDataKey()
  const prefix = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])
  const cases: Array<[number, number]> = [
    [0, 64],
    [64, 64],
    [1000, 64],
    [3 * 1024 * 1024 + 5, 1024 * 1024],
    [9 * 1024 * 1024, 1024 * 1024],
  ]

  for (const [size, chunkSize] of cases) {
    it(`seals ${size} bytes in ${chunkSize}-byte chunks byte for byte as the reference does`, async () => {
      const plain = pseudoRandomBytes(size, size + 3)
      const reference = referenceSeal(plain, key, chunkSize, prefix)
      const sealed = await collect(encryptEnvelope(pieces(plain, 65_537), key, { chunkSize, noncePrefix: prefix }))
      expect(sha256(sealed)).to.equal(sha256(reference))
      expect(sealed.length).to.equal(reference.length)
    })
  }

  it('opens a reference envelope with both decryptors, and the reference opens what encryptEnvelope seals', async () => {
    const plain = pseudoRandomBytes(5 * 1024 * 1024 + 77, 5)
    const reference = referenceSeal(plain, key, 1024 * 1024, prefix)
    expect(sha256(await collect(decryptEnvelope(pieces(reference, 1024 * 1024), key)))).to.equal(sha256(plain))
    expect(sha256(await collect(decryptEnvelopeWeb(pieces(reference, 1024 * 1024), key)))).to.equal(sha256(plain))
    // The other way: open encryptEnvelope's output chunk by chunk with createDecipheriv.
    const sealed = await collect(encryptEnvelope(pieces(plain, 1 << 20), key))
    const header = sealed.subarray(0, 40)
    const headerHash = createHash('sha256').update(header).digest()
    const out: Uint8Array[] = []
    const sealedSize = 1024 * 1024 + TAG_BYTES
    for (let i = 0, at = 40; at < sealed.length; i++, at += sealedSize) {
      const chunk = sealed.subarray(at, Math.min(sealed.length, at + sealedSize))
      const decipher = createDecipheriv('aes-256-gcm', key, chunkNonce(header.subarray(16, 24), i))
      decipher.setAAD(chunkAad(headerHash, i, at + sealedSize >= sealed.length))
      decipher.setAuthTag(chunk.subarray(chunk.length - TAG_BYTES))
      out.push(decipher.update(chunk.subarray(0, chunk.length - TAG_BYTES)))
      decipher.final()
    }
    expect(sha256(new Uint8Array(Buffer.concat(out)))).to.equal(sha256(plain))
  })
})
