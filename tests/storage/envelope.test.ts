import { expect } from 'chai'
import {
  DEFAULT_CHUNK_SIZE,
  decodeHeader,
  envelopeSize,
  generateDataKey,
  HEADER_BYTES,
  TAG_BYTES,
  decryptEnvelopeWeb,
  type EnvelopeTamperedError,
} from '../../storage/index.js'
import { decryptEnvelope, encryptEnvelope } from '../../storage/node.js'
import { collect, pieces, pseudoRandomBytes, sha256 } from '../helpers/bytes.js'
import { caught } from '../helpers/errors.js'

const CS = 1024
const key = generateDataKey()

async function seal(plain: Uint8Array, chunkSize = CS, pieceSize = 4096): Promise<Uint8Array> {
  return collect(encryptEnvelope(pieces(plain, pieceSize), key, { chunkSize }))
}

// Both decryptors (Node's crypto and WebCrypto, the browser's) must give the same answers.
const decryptors = [
  ['Node crypto', decryptEnvelope],
  ['WebCrypto', decryptEnvelopeWeb],
] as const

/** Splits a sealed envelope into its header and sealed chunks (chunk size CS). */
function split(sealed: Uint8Array): { header: Uint8Array; chunks: Uint8Array[] } {
  const chunks: Uint8Array[] = []
  for (let i = HEADER_BYTES; i < sealed.length; i += CS + TAG_BYTES)
    chunks.push(sealed.slice(i, Math.min(sealed.length, i + CS + TAG_BYTES)))
  return { header: sealed.slice(0, HEADER_BYTES), chunks }
}

const join = (header: Uint8Array, chunks: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat([header, ...chunks]))

for (const [label, decrypt] of decryptors) {
  describe(`assay-aes256gcm-stream-v1 envelope, decrypted with ${label}`, function () {
    this.timeout(60_000)
    const open = (sealed: Uint8Array, k = key, pieceSize = 5000): Promise<Uint8Array> => collect(decrypt(pieces(sealed, pieceSize), k))

    describe('round trips', () => {
      for (const size of [0, 1, CS - 1, CS, CS + 1, 3 * CS, 3 * CS + 17]) {
        it(`returns the same ${size} bytes, with the size the format predicts`, async () => {
          const plain = pseudoRandomBytes(size, size + 7)
          const sealed = await seal(plain)
          expect(sealed.length).to.equal(envelopeSize(size, CS))
          expect(await open(sealed)).to.deep.equal(plain)
        })
      }

      it('round-trips 50 MiB with the default 1 MiB chunks, streamed in 64 KiB pieces', async () => {
        const plain = pseudoRandomBytes(50 * 1024 * 1024, 99)
        const sealed = await collect(encryptEnvelope(pieces(plain, 64 * 1024), key))
        expect(decodeHeader(sealed.subarray(0, HEADER_BYTES)).chunkSize).to.equal(DEFAULT_CHUNK_SIZE)
        expect(sealed.length).to.equal(envelopeSize(plain.length))
        expect(sha256(await open(sealed, key, 64 * 1024))).to.equal(sha256(plain))
      })

      it('does not depend on how the input is cut into pieces', async () => {
        const plain = pseudoRandomBytes(3 * CS + 5, 3)
        const sealed = await collect(encryptEnvelope(pieces(plain, 1), key, { chunkSize: CS, noncePrefix: new Uint8Array(8) }))
        const again = await collect(encryptEnvelope(pieces(plain, 777), key, { chunkSize: CS, noncePrefix: new Uint8Array(8) }))
        expect(sealed).to.deep.equal(again)
        expect(await open(sealed, key, 1)).to.deep.equal(plain)
      })

      it('uses a fresh nonce prefix each time, so equal plaintexts give different envelopes', async () => {
        const plain = pseudoRandomBytes(100, 5)
        expect(await seal(plain)).to.not.deep.equal(await seal(plain))
      })
    })

    describe('rejections', () => {
      const plain = pseudoRandomBytes(4 * CS + 100, 11) // 5 chunks, the last one short
      let sealed: Uint8Array
      before(async () => {
        sealed = await seal(plain)
      })

      it('rejects a wrong key with WrongKeyError before decrypting anything', async () => {
        let yielded = 0
        const err = await caught(async () => {
          for await (const _ of decrypt(pieces(sealed, 4096), generateDataKey())) yielded++
        })
        expect(err.name).to.equal('WrongKeyError')
        expect(yielded).to.equal(0)
      })

      it('rejects bytes that are not an envelope with EnvelopeFormatError', async () => {
        const err = await caught(() => open(pseudoRandomBytes(200, 1)))
        expect(err.name).to.equal('EnvelopeFormatError')
        expect(err.message).to.contain('bad magic')
      })

      it('rejects an unknown version with EnvelopeFormatError', async () => {
        const copy = sealed.slice()
        copy[8] = 2
        expect((await caught(() => open(copy))).message).to.contain('unsupported envelope version 2')
      })

      it('rejects a flipped bit anywhere in any chunk with EnvelopeTamperedError at that chunk', async () => {
        const { header, chunks } = split(sealed)
        for (let c = 0; c < chunks.length; c++) {
          for (const offset of [0, Math.floor(chunks[c]!.length / 2), chunks[c]!.length - 1]) {
            const copy = chunks.map((x) => x.slice())
            copy[c]![offset]! ^= 0x01
            const err = await caught(() => open(join(header, copy)))
            expect(err.name, `chunk ${c} byte ${offset}`).to.equal('EnvelopeTamperedError')
            expect((err as EnvelopeTamperedError).chunkIndex).to.equal(c)
          }
        }
      })

      it('rejects a changed header field (chunk size) as tampering, and a changed key check or nonce prefix as a wrong key', async () => {
        const size = sealed.slice()
        size[14] = 0x08 // chunk size 1024 -> 2048: still a valid size, so only authentication can tell
        expect((await caught(() => open(size))).name).to.equal('EnvelopeTamperedError')
        for (const byte of [16, 23, 24, 39]) {
          const copy = sealed.slice()
          copy[byte]! ^= 0x80
          expect((await caught(() => open(copy))).name, `header byte ${byte}`).to.equal('WrongKeyError')
        }
      })

      it('rejects reordered chunks', async () => {
        const { header, chunks } = split(sealed)
        const swapped = [chunks[0]!, chunks[2]!, chunks[1]!, chunks[3]!, chunks[4]!]
        const err = await caught(() => open(join(header, swapped)))
        expect(err.name).to.equal('EnvelopeTamperedError')
        expect((err as EnvelopeTamperedError).chunkIndex).to.equal(1)
      })

      it('rejects a dropped middle chunk and a duplicated chunk', async () => {
        const { header, chunks } = split(sealed)
        expect((await caught(() => open(join(header, [chunks[0]!, chunks[2]!, chunks[3]!, chunks[4]!])))).name).to.equal(
          'EnvelopeTamperedError',
        )
        expect(
          (await caught(() => open(join(header, [chunks[0]!, chunks[1]!, chunks[1]!, chunks[2]!, chunks[3]!, chunks[4]!])))).name,
        ).to.equal('EnvelopeTamperedError')
      })

      it('rejects a stream cut at a chunk boundary with TruncatedEnvelopeError', async () => {
        const { header, chunks } = split(sealed)
        for (let keep = 1; keep < chunks.length; keep++) {
          const err = await caught(() => open(join(header, chunks.slice(0, keep))))
          expect(err.name, `keeping ${keep} chunks`).to.equal('TruncatedEnvelopeError')
        }
        expect((await caught(() => open(header))).name).to.equal('TruncatedEnvelopeError')
        expect((await caught(() => open(header.subarray(0, 20)))).name).to.equal('TruncatedEnvelopeError')
      })

      it('rejects a stream cut inside a chunk', async () => {
        for (const cut of [HEADER_BYTES + 5, HEADER_BYTES + CS + TAG_BYTES + 600]) {
          const err = await caught(() => open(sealed.subarray(0, cut)))
          expect(['TruncatedEnvelopeError', 'EnvelopeTamperedError'], `cut at ${cut}`).to.include(err.name)
        }
      })

      it('rejects data appended after the final chunk', async () => {
        const { header, chunks } = split(sealed)
        // The final chunk here is short, so appended bytes run into it: plain tampering.
        expect((await caught(() => open(join(header, [...chunks, chunks[1]!])))).name).to.equal('EnvelopeTamperedError')
        expect((await caught(() => open(join(header, [...chunks, new Uint8Array([1, 2, 3])])))).name).to.equal('EnvelopeTamperedError')
        // A full-size final chunk followed by more data is recognised as an extension.
        const exact = split(await seal(pseudoRandomBytes(4 * CS, 12)))
        const extended = await caught(() => open(join(exact.header, [...exact.chunks, exact.chunks[1]!])))
        expect(extended.name).to.equal('EnvelopeTamperedError')
        expect(extended.message).to.contain('chunk 4: data follows the final chunk')
      })

      it('never yields plaintext of a chunk that fails authentication', async () => {
        const { header, chunks } = split(sealed)
        const copy = chunks.map((x) => x.slice())
        copy[2]![10]! ^= 0xff
        const got: Uint8Array[] = []
        const err = await caught(async () => {
          for await (const p of decrypt(pieces(join(header, copy), 4096), key)) got.push(new Uint8Array(p))
        })
        expect(err.name).to.equal('EnvelopeTamperedError')
        expect(got).to.have.length(2)
        expect(new Uint8Array(Buffer.concat(got))).to.deep.equal(plain.subarray(0, 2 * CS))
      })

      it('rejects keys that are not 32 bytes and chunk sizes out of range', async () => {
        expect((await caught(() => collect(encryptEnvelope([], new Uint8Array(16))))).name).to.equal('InvalidDataKeyError')
        expect((await caught(() => collect(encryptEnvelope([], key, { chunkSize: 10 })))).name).to.equal('EnvelopeFormatError')
      })
    })
  })
}
