import { EnvelopeFormatError } from './errors.js'

/**
 * `assay-aes256gcm-stream-v1`: see storage/ENVELOPE.md. This module holds the byte layout only
 * (browser-safe); encryption lives in encrypt-envelope.ts / decrypt-envelope.ts.
 */
export const ENVELOPE_ID = 'assay-aes256gcm-stream-v1'
export const ENVELOPE_MAGIC = new TextEncoder().encode('ASSAYENV')
export const ENVELOPE_VERSION = 1
export const ALGORITHM_AES_256_GCM = 1
export const HEADER_BYTES = 40
export const TAG_BYTES = 16
export const NONCE_PREFIX_BYTES = 8
export const KEY_CHECK_BYTES = 16
export const DEFAULT_CHUNK_SIZE = 1024 * 1024
export const MIN_CHUNK_SIZE = 64
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024
/** The chunk counter is 32 bits: 2^32 chunks of up to 16 MiB each. */
export const MAX_CHUNKS = 2 ** 32
export const KEY_CHECK_LABEL = new TextEncoder().encode(`${ENVELOPE_ID}/key-check`)

export interface EnvelopeHeader {
  chunkSize: number
  noncePrefix: Uint8Array
  keyCheck: Uint8Array
}

export function assertChunkSize(chunkSize: number): void {
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new EnvelopeFormatError(`chunk size must be an integer in [${MIN_CHUNK_SIZE}, ${MAX_CHUNK_SIZE}], got ${chunkSize}`)
  }
}

/** Serialises the 40-byte header. */
export function encodeHeader(header: EnvelopeHeader): Uint8Array {
  assertChunkSize(header.chunkSize)
  if (header.noncePrefix.length !== NONCE_PREFIX_BYTES) throw new EnvelopeFormatError('nonce prefix must be 8 bytes')
  if (header.keyCheck.length !== KEY_CHECK_BYTES) throw new EnvelopeFormatError('key check must be 16 bytes')
  const out = new Uint8Array(HEADER_BYTES)
  const view = new DataView(out.buffer)
  out.set(ENVELOPE_MAGIC, 0)
  out[8] = ENVELOPE_VERSION
  out[9] = ALGORITHM_AES_256_GCM
  // bytes 10..11 reserved, zero
  view.setUint32(12, header.chunkSize)
  out.set(header.noncePrefix, 16)
  out.set(header.keyCheck, 24)
  return out
}

/** Parses and validates the 40-byte header. @throws {EnvelopeFormatError} */
export function decodeHeader(bytes: Uint8Array): EnvelopeHeader {
  if (bytes.length !== HEADER_BYTES) throw new EnvelopeFormatError(`header must be ${HEADER_BYTES} bytes, got ${bytes.length}`)
  for (let i = 0; i < ENVELOPE_MAGIC.length; i++) {
    if (bytes[i] !== ENVELOPE_MAGIC[i]) throw new EnvelopeFormatError('not an Assay envelope (bad magic)')
  }
  if (bytes[8] !== ENVELOPE_VERSION)
    throw new EnvelopeFormatError(`unsupported envelope version ${bytes[8]} (this code reads ${ENVELOPE_VERSION})`)
  if (bytes[9] !== ALGORITHM_AES_256_GCM) throw new EnvelopeFormatError(`unsupported algorithm id ${bytes[9]}`)
  if (bytes[10] !== 0 || bytes[11] !== 0) throw new EnvelopeFormatError('reserved header bytes must be zero')
  const chunkSize = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(12)
  assertChunkSize(chunkSize)
  return { chunkSize, noncePrefix: bytes.slice(16, 24), keyCheck: bytes.slice(24, 40) }
}

/** GCM nonce of chunk `index`: prefix (8 bytes) ∥ index (u32 big-endian). */
export function chunkNonce(noncePrefix: Uint8Array, index: number): Uint8Array {
  const nonce = new Uint8Array(12)
  nonce.set(noncePrefix, 0)
  new DataView(nonce.buffer).setUint32(8, index)
  return nonce
}

/** Associated data of chunk `index`: SHA-256(header) ∥ index (u64 big-endian) ∥ last flag (1 byte). */
export function chunkAad(headerHash: Uint8Array, index: number, last: boolean): Uint8Array {
  const aad = new Uint8Array(41)
  aad.set(headerHash, 0)
  new DataView(aad.buffer).setBigUint64(32, BigInt(index))
  aad[40] = last ? 1 : 0
  return aad
}

/** Sealed size of an envelope holding `plaintextBytes` (header + chunks + one tag per chunk). */
export function envelopeSize(plaintextBytes: number, chunkSize = DEFAULT_CHUNK_SIZE): number {
  const chunks = Math.max(1, Math.ceil(plaintextBytes / chunkSize))
  return HEADER_BYTES + plaintextBytes + chunks * TAG_BYTES
}
