import { createHash, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Piece } from '@web3-storage/data-segment'
import { expect } from 'chai'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { computePieceCid, createPieceHasher } from '../../storage/node.js'

/**
 * data-segment's test payload (test/util.js `deriveBuffer`): SHA-512 chained from the empty seed,
 * each digest of the (up to) 64 bytes before it.
 */
function deriveBuffer(size: number): Uint8Array {
  const buffer = new Uint8Array(size)
  for (let offset = 0; offset < size; offset += 64) {
    const digest = createHash('sha512')
      .update(buffer.subarray(Math.max(0, offset - 64), offset))
      .digest()
    buffer.set(digest.subarray(0, size - offset), offset)
  }
  return buffer
}

/** web3-storage/data-segment's CommP vector (tests/fixtures/README.md). */
const VECTOR = readFileSync('tests/fixtures/commp-vector.csv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [contentSize, payload, , pieceSize, commP] = line.split(',')
    return { contentSize: Number(contentSize), payload: payload!, pieceSize: Number(pieceSize), commP: commP! }
  })

/** Pieces in several uneven writes, as a stream gives them. */
function* unevenChunks(bytes: Uint8Array): Generator<Uint8Array> {
  const sizes = [1, 126, 127, 3000, 65_536, 1_048_577]
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const end = Math.min(bytes.length, at + sizes[i % sizes.length]!)
    yield bytes.subarray(at, end)
    at = end
  }
}

describe('computePieceCid (Filecoin CommP)', () => {
  for (const v of VECTOR)
    it(`gives data-segment's published piece CID and size for ${v.contentSize} bytes`, async () => {
      const payload = deriveBuffer(v.contentSize)
      // The payload is the vector's own (its raw CID), so the comparison below is the vector's.
      expect(CID.createV1(raw.code, await sha256.digest(payload)).toString()).to.equal(v.payload)
      const piece = await computePieceCid(unevenChunks(payload))
      expect([piece.pieceCid, piece.pieceSize, piece.payloadSize]).to.deep.equal([v.commP, v.pieceSize, v.contentSize])
      // v2 carries the same root and the size: data-segment reads it back to the v1 form.
      expect(Piece.fromString(piece.pieceCidV2).toInfo().link.toString()).to.equal(v.commP)
      expect(piece.pieceCidV2).to.match(/^bafkzcib/)
    })

  it("gives data-segment's published v2 piece CIDs for the empty payload and 127 and 128 zero bytes", async () => {
    // test/piece.spec.js: 'test empty', '127 bytes', '128 bytes'.
    expect((await computePieceCid([])).pieceCidV2).to.equal('bafkzcibcp4bdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy')
    expect((await computePieceCid([new Uint8Array(127)])).pieceCidV2).to.equal(
      'bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy',
    )
    const zeros128 = await computePieceCid([new Uint8Array(128)])
    expect([zeros128.pieceCidV2, zeros128.pieceSize]).to.deep.equal([
      'bafkzcibcpybwiktap34inmaex4wbs6cghlq5i2j2yd2bb2zndn5ep7ralzphkdy',
      256,
    ])
  })

  it("agrees with data-segment's own JavaScript hasher on random bytes written in uneven pieces", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17)
    const ours = await computePieceCid(unevenChunks(bytes))
    const theirs = Piece.fromPayload(bytes)
    expect([ours.pieceCidV2, ours.pieceCid, ours.pieceSize]).to.deep.equal([
      theirs.link.toString(),
      theirs.toInfo().link.toString(),
      Number(theirs.size),
    ])
  })

  it('changes when one byte of the payload does', async () => {
    const bytes = deriveBuffer(5000)
    const before = await computePieceCid([bytes])
    bytes[4321]! ^= 1
    expect((await computePieceCid([bytes])).pieceCid).to.not.equal(before.pieceCid)
  })

  it('refuses writes to a finished hasher', () => {
    const hasher = createPieceHasher()
    hasher.write(new Uint8Array(10))
    hasher.finish()
    expect(() => hasher.write(new Uint8Array(1))).to.throw(TypeError, /finished or freed/)
    hasher.free()
  })
})
