import { createHash, randomBytes } from 'node:crypto'
import { ServiceError } from '../core/index.js'
import { ByteReader } from './byte-reader.js'
import { assertDataKey } from './data-key.js'
import { computeKeyCheck, type EncryptOptions } from './encrypt-envelope.js'
import {
  assertChunkSize,
  chunkAad,
  chunkNonce,
  DEFAULT_CHUNK_SIZE,
  encodeHeader,
  HEADER_BYTES,
  MAX_CHUNKS,
  NONCE_PREFIX_BYTES,
  TAG_BYTES,
} from './envelope-format.js'
import { EnvelopeFormatError } from './errors.js'
import type { SealResult, SealWorkerRing } from './seal-worker-ring.js'

/** One UnixFS leaf of the envelope and the SHA-256 digest of its bytes. */
export interface SealedLeaf {
  bytes: Uint8Array
  digest: Uint8Array
}

export interface SealEnvelopeLeavesOptions extends EncryptOptions {
  /** The workers that seal and hash (injected: one ring per envelope, closed by the caller). */
  ring: SealWorkerRing
  /** Envelope bytes per leaf (the importer's chunk size); more than the 40-byte header. */
  leafSize: number
  /** Plaintext bytes per job, rounded to whole chunks. Default 1 MiB (one default chunk). */
  jobBytes?: number
  /** Jobs in the workers at once (bounds memory: two buffers of about `jobBytes` each). Default 2 per worker. */
  maxInFlight?: number
}

/** What the generator returns once the envelope is complete. */
export interface SealSummary {
  plaintextBytes: number
  /** SHA-256 of the plaintext. */
  plaintextSha256: Uint8Array
}

const DIGEST_BYTES = 32
const DEFAULT_JOB_BYTES = 1024 * 1024

/**
 * Encrypts a byte stream into an `assay-aes256gcm-stream-v1` envelope (byte-identical to
 * encryptEnvelope's for the same key and nonce prefix) and yields it cut into `leafSize` leaves,
 * each with its SHA-256 digest, then returns the plaintext's size and SHA-256: the AES-GCM and leaf hashing run on a ring of worker threads,
 * which is what lets an add use both cores. The main thread only copies the plaintext into job
 * buffers shared with the workers (the caller's own buffers are never handed over), reused from
 * job to job. At most `maxInFlight` jobs are out at once, and a leaf's bytes stay
 * alive only until the consumer drops them.
 *
 * @throws {InvalidDataKeyError} @throws {EnvelopeFormatError} bad key, chunk size or nonce prefix.
 * @throws {ServiceError} ('seal-worker') a worker failed.
 */
export async function* sealEnvelopeLeaves(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  key: Uint8Array,
  options: SealEnvelopeLeavesOptions,
): AsyncGenerator<SealedLeaf, SealSummary> {
  assertDataKey(key)
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE
  assertChunkSize(chunkSize)
  const noncePrefix = options.noncePrefix ?? new Uint8Array(randomBytes(NONCE_PREFIX_BYTES))
  if (noncePrefix.length !== NONCE_PREFIX_BYTES) throw new EnvelopeFormatError('nonce prefix must be 8 bytes')
  const { ring, leafSize } = options
  if (!Number.isInteger(leafSize) || leafSize <= HEADER_BYTES) throw new RangeError(`leaf size must be an integer above ${HEADER_BYTES}`)
  const header = encodeHeader({ chunkSize, noncePrefix, keyCheck: computeKeyCheck(key, noncePrefix) })
  const headerHash = createHash('sha256').update(header).digest()
  const chunksPerJob = Math.max(1, Math.floor((options.jobBytes ?? DEFAULT_JOB_BYTES) / chunkSize))
  const jobBytes = chunksPerJob * chunkSize
  const maxInFlight = Math.max(1, options.maxInFlight ?? 2 * ring.size)

  // The plaintext digest is sequential: a ring of one worker sees every job in order and takes it
  // (on two cores that balances the worker against the main thread); otherwise it is done here.
  const hashPlaintext = ring.size === 1
  const plaintextHash = hashPlaintext ? undefined : createHash('sha256')
  let plaintextDigest: Uint8Array | undefined
  let plaintextBytes = 0
  const reader = new ByteReader(source)
  // Job buffers, shared with the workers and reused: at most maxInFlight pairs exist. Leaves are
  // copied out of them (cheap next to sealing) so a slot is free as soon as its result is read.
  type Slot = { plaintext: SharedArrayBuffer; sealed: SharedArrayBuffer }
  const free: Slot[] = []
  const inFlight: Array<{ result: Promise<SealResult>; slot: Slot }> = []
  let seq = 0
  let index = 0
  // Envelope bytes produced before the next job: the carry is what of them no full leaf took.
  let offset = HEADER_BYTES
  let ended = false

  const sendJob = async (): Promise<void> => {
    const slot = free.pop() ?? {
      plaintext: new SharedArrayBuffer(jobBytes),
      sealed: new SharedArrayBuffer(leafSize + jobBytes + chunksPerJob * TAG_BYTES),
    }
    const into = new Uint8Array(slot.plaintext)
    let filled = 0
    for (const part of await reader.readParts(jobBytes)) {
      into.set(part, filled)
      plaintextHash?.update(part)
      filled += part.length
    }
    plaintextBytes += filled
    const last = filled < jobBytes || (await reader.atEnd())
    const chunks = Math.max(1, Math.ceil(filled / chunkSize))
    if (index + chunks > MAX_CHUNKS) throw new EnvelopeFormatError(`more than ${MAX_CHUNKS} chunks; use a larger chunk size`)
    const nonces = new Uint8Array(12 * chunks)
    const aads = new Uint8Array(41 * chunks)
    for (let i = 0; i < chunks; i++) {
      nonces.set(chunkNonce(noncePrefix, index + i), 12 * i)
      aads.set(chunkAad(headerHash, index + i, last && i === chunks - 1), 41 * i)
    }
    const job = {
      seq,
      key,
      plaintext: slot.plaintext,
      plaintextBytes: filled,
      sealed: slot.sealed,
      chunkSize,
      chunks,
      nonces,
      aads,
      carryBytes: offset % leafSize,
      ...(seq === 0 ? { carry: header } : {}),
      leafSize,
      last,
      hashPlaintext,
    }
    const result = ring.seal(job)
    result.catch(() => {}) // awaited in order below; avoids an unhandled rejection meanwhile
    inFlight.push({ result, slot })
    seq += 1
    index += chunks
    offset += filled + chunks * TAG_BYTES
    ended = last
  }

  try {
    for (;;) {
      while (!ended && inFlight.length < maxInFlight) await sendJob()
      const next = inFlight.shift()
      if (next === undefined) break
      const result = await next.result
      plaintextDigest ??= result.plaintextDigest
      const sealed = new Uint8Array(next.slot.sealed, 0, result.leafBytes)
      const leaves: SealedLeaf[] = []
      for (let i = 0; i * leafSize < result.leafBytes; i++) {
        const bytes = new Uint8Array(Math.min(leafSize, result.leafBytes - i * leafSize))
        bytes.set(sealed.subarray(i * leafSize, i * leafSize + bytes.length))
        leaves.push({ bytes, digest: result.digests.subarray(i * DIGEST_BYTES, (i + 1) * DIGEST_BYTES) })
      }
      free.push(next.slot)
      yield* leaves
    }
  } finally {
    if (!ended) await reader.cancel()
  }
  const digest = plaintextHash?.digest() ?? plaintextDigest
  if (digest === undefined) throw new ServiceError('seal-worker', 'returned no plaintext digest')
  return { plaintextBytes, plaintextSha256: new Uint8Array(digest) }
}
