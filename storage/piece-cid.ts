import { Piece } from '@web3-storage/data-segment'
import { create as createWasmHasher } from 'fr32-sha2-256-trunc254-padded-binary-tree-multihash'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { decode as decodeDigest } from 'multiformats/hashes/digest'

/** A payload's Filecoin piece commitment (CommP) in the forms storage deals use. */
export interface PieceCid {
  /**
   * The v1 piece CID (`baga6ea4seaq…`: fil-commitment-unsealed, sha2-256-trunc254-padded): what a
   * deal proposal's PieceCID holds (the built-in market actor, Boost, Lotus), with `pieceSize`.
   */
  pieceCid: string
  /**
   * The v2 piece CID of FRC-0069 (`bafkzcib…`: raw, fr32-sha2-256-trunc254-padded-binary-tree):
   * the same root with the tree height and padding in it, so it names the size too (Curio PDP,
   * Synapse, Storacha).
   */
  pieceCidV2: string
  /** The padded piece size in bytes (a power of two, at least 128): a deal's PieceSize. */
  pieceSize: number
  /** Bytes of the payload (the CAR) that was hashed. */
  payloadSize: number
}

/** A streaming CommP hasher: memory stays at one tree path and the chunk being written. */
export interface PieceHasher {
  write(bytes: Uint8Array): void
  /** The commitment of everything written so far; the hasher is freed and cannot be written again. */
  finish(): PieceCid
  /** Frees the hasher without a result (an export that failed midway). Safe after finish. */
  free(): void
}

/**
 * A CommP hasher. The tree is hashed by web3-storage's Rust hasher in WebAssembly (~4× the speed
 * of data-segment's JS one on this machine); data-segment turns its FRC-0069 digest into both
 * piece CID forms. Node only (the WebAssembly loads at import).
 */
export function createPieceHasher(): PieceHasher {
  let hasher: ReturnType<typeof createWasmHasher> | undefined = createWasmHasher()
  let payloadSize = 0
  const live = (): ReturnType<typeof createWasmHasher> => {
    if (hasher === undefined) throw new TypeError('the piece hasher was finished or freed')
    return hasher
  }
  return {
    write(bytes) {
      live().write(bytes)
      payloadSize += bytes.length
    },
    finish() {
      const h = live()
      const multihash = new Uint8Array(h.multihashByteLength())
      h.digestInto(multihash, 0, true)
      this.free()
      const v2 = CID.createV1(raw.code, decodeDigest(multihash)).toString()
      const piece = Piece.fromString(v2)
      return { pieceCid: piece.toInfo().link.toString(), pieceCidV2: v2, pieceSize: Number(piece.size), payloadSize }
    },
    free() {
      hasher?.free()
      hasher = undefined
    },
  }
}

/**
 * The piece commitment of a stream (a CAR as it is written, a file as it is read) in one pass,
 * never holding it whole.
 *
 * @example
 *   const { pieceCid, pieceSize } = await computePieceCid(createReadStream('dataset.car'))
 */
export async function computePieceCid(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<PieceCid> {
  const hasher = createPieceHasher()
  try {
    for await (const chunk of source) hasher.write(chunk)
    return hasher.finish()
  } finally {
    hasher.free()
  }
}
