import { readFileSync } from 'node:fs'
import { expect } from 'chai'
import { chunkAad, chunkNonce, decodeHeader, HEADER_BYTES, TAG_BYTES } from '../../storage/index.js'
import { decryptEnvelope, encryptEnvelope } from '../../storage/node.js'
import { collect } from '../helpers/bytes.js'

// The vector is read from the spec itself, so the document and the code cannot drift apart.
const spec = readFileSync(new URL('../../storage/ENVELOPE.md', import.meta.url), 'utf8')
const vectorHex = /Envelope \(223 bytes, hex\):\n\n```\n([0-9a-f\n]+)```/.exec(spec)![1]!.replaceAll('\n', '')
const vector = new Uint8Array(Buffer.from(vectorHex, 'hex'))
const key = Uint8Array.from({ length: 32 }, (_, i) => i)
const prefix = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i)
const plain = new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(3))

describe('envelope test vector (storage/ENVELOPE.md)', () => {
  it('is what encryptEnvelope produces for the documented inputs', async () => {
    expect(vector.length).to.equal(223)
    expect(await collect(encryptEnvelope([plain], key, { chunkSize: 64, noncePrefix: prefix }))).to.deep.equal(vector)
  })

  it('decrypts with decryptEnvelope', async () => {
    expect(await collect(decryptEnvelope([vector], key))).to.deep.equal(plain)
  })

  it('decrypts chunk by chunk with WebCrypto, following only the spec', async () => {
    const header = vector.subarray(0, HEADER_BYTES)
    const { chunkSize, noncePrefix } = decodeHeader(header)
    const headerHash = new Uint8Array(await crypto.subtle.digest('SHA-256', header))
    const aesKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt'])
    const out: Uint8Array[] = []
    const sealedSize = chunkSize + TAG_BYTES
    for (let i = 0, at = HEADER_BYTES; at < vector.length; i++, at += sealedSize) {
      const sealed = vector.subarray(at, Math.min(vector.length, at + sealedSize))
      const last = at + sealedSize >= vector.length
      const params = { name: 'AES-GCM', iv: chunkNonce(noncePrefix, i), additionalData: chunkAad(headerHash, i, last), tagLength: 128 }
      out.push(new Uint8Array(await crypto.subtle.decrypt(params, aesKey, sealed)))
    }
    expect(out.map((c) => c.length)).to.deep.equal([64, 64, 7])
    expect(new Uint8Array(Buffer.concat(out))).to.deep.equal(plain)
  })
})
