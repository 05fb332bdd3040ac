// One worker of the seal ring (seal-worker-ring.ts): seals a job's chunks with AES-256-GCM and
// hashes the UnixFS leaves they complete, off the main thread.
//
// Input and output live in SharedArrayBuffers the main thread reuses: buffers allocated here and
// transferred piled up as garbage on the main thread (+100 MB of RSS on a 256 MiB add, measured).
//
// Plain JavaScript on purpose: it needs node:crypto only, and loading tsx in a worker costs ~27 MB
// of RSS each (measured), which the 1 GiB add's 300 MB budget cannot spare. The envelope's layout
// (nonces, associated data) stays in envelope-format.ts: the main thread sends them with each job.
//
// A job's sealed bytes start where the envelope's previous leaf boundary left off, so the job's
// output is `carry ∥ sealed chunks`, where the carry is the envelope bytes after the last full
// leaf of the previous job. The carry comes from the previous job's worker over a MessagePort (the
// ring is in job order), so a worker seals its chunks while its neighbour is still hashing.
import { createCipheriv, createHash } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
import v8 from 'node:v8'
import vm from 'node:vm'

// cipher.update allocates its output outside V8's heap, and this worker's heap is so small that V8
// would collect that garbage only after tens of MB of it (+50 MB of RSS with two workers on a
// 256 MiB add, measured; heap resource limits do not change it). So each chunk is enciphered in
// 64 KiB pieces (small allocations the allocator reuses) and a minor GC after every job frees
// them, as they die young: the worker then holds ~17 MB instead of ~22 (measured; the GC costs
// well under a millisecond a job). V8's flags are process-wide: the flag is set only while
// this worker's own context takes the gc function, then cleared. Workers starting at the same
// moment may race on it; one that finds no gc runs without (more memory, the same output).
v8.setFlagsFromString('--expose-gc')
/** @type {(options: { type: 'minor' }) => void} */
let collectGarbage = () => {}
try {
  collectGarbage = vm.runInNewContext('gc')
} catch {
  // lost the race: see above
} finally {
  v8.setFlagsFromString('--no-expose-gc')
}
const PIECE_BYTES = 64 * 1024

const TAG_BYTES = 16
const NONCE_BYTES = 12
const AAD_BYTES = 41
const DIGEST_BYTES = 32

/** @type {{ fromPrevious: import('node:worker_threads').MessagePort, toNext: import('node:worker_threads').MessagePort }} */
const { fromPrevious, toNext } = workerData

// Carries arrive in job order; a job takes the next one.
/** @type {Uint8Array[]} */
const carries = []
/** @type {Array<(carry: Uint8Array) => void>} */
const waiting = []
fromPrevious.on('message', (/** @type {Uint8Array} */ carry) => {
  const take = waiting.shift()
  if (take !== undefined) take(carry)
  else carries.push(carry)
})
/** @returns {Promise<Uint8Array>} */
const nextCarry = () => {
  const carry = carries.shift()
  return carry !== undefined ? Promise.resolve(carry) : new Promise((resolve) => waiting.push(resolve))
}

/**
 * @typedef {object} SealJob
 * @property {number} seq
 * @property {Uint8Array} key
 * @property {SharedArrayBuffer} plaintext  the job's plaintext (shared: the main thread reuses it after the result)
 * @property {SharedArrayBuffer} sealed     where the output goes: carry ∥ sealed chunks (shared, reused likewise)
 * @property {number} plaintextBytes  bytes of `plaintext` that hold data
 * @property {number} chunkSize
 * @property {number} chunks          chunks in this job (1 for an empty final chunk)
 * @property {Uint8Array} nonces      12 bytes per chunk
 * @property {Uint8Array} aads        41 bytes per chunk
 * @property {number} carryBytes      envelope bytes before this job that no full leaf took
 * @property {Uint8Array} [carry]     the carry itself, when the main thread has it (the header, for job 0)
 * @property {number} leafSize
 * @property {boolean} last           this job holds the final chunk: its output ends the envelope
 * @property {boolean} hashPlaintext  this worker sees every job of the envelope, in order (a ring of
 *                                    one): it also hashes the plaintext, and the last job returns the digest
 */

// The running plaintext digest of the envelope being sealed, when this worker hashes it.
/** @type {import('node:crypto').Hash | undefined} */
let plaintextHash

/** @param {SealJob} job */
async function seal(job) {
  const plain = new Uint8Array(job.plaintext, 0, job.plaintextBytes)
  if (job.hashPlaintext) {
    if (job.seq === 0) plaintextHash = createHash('sha256')
    plaintextHash?.update(plain)
  }
  const sealedBytes = job.plaintextBytes + job.chunks * TAG_BYTES
  const out = new Uint8Array(job.sealed, 0, job.carryBytes + sealedBytes)
  let at = job.carryBytes
  for (let i = 0; i < job.chunks; i++) {
    const cipher = createCipheriv('aes-256-gcm', job.key, job.nonces.subarray(i * NONCE_BYTES, (i + 1) * NONCE_BYTES))
    cipher.setAAD(job.aads.subarray(i * AAD_BYTES, (i + 1) * AAD_BYTES))
    const end = Math.min((i + 1) * job.chunkSize, job.plaintextBytes)
    for (let from = i * job.chunkSize; from < end; from += PIECE_BYTES) {
      const body = cipher.update(plain.subarray(from, Math.min(end, from + PIECE_BYTES)))
      out.set(body, at)
      at += body.length
    }
    cipher.final() // GCM holds no bytes back: this only computes the tag
    out.set(cipher.getAuthTag(), at)
    at += TAG_BYTES
  }
  const carry = job.carry ?? (await nextCarry())
  if (carry.length !== job.carryBytes) throw new Error(`carry of ${carry.length} bytes, expected ${job.carryBytes}`)
  out.set(carry, 0)
  // Full leaves only, except at the end of the envelope, where the rest is the final (short) leaf.
  const leafBytes = job.last ? out.length : out.length - (out.length % job.leafSize)
  if (!job.last) {
    const next = out.slice(leafBytes)
    toNext.postMessage(next, [next.buffer])
  }
  const leaves = Math.ceil(leafBytes / job.leafSize)
  const digests = new Uint8Array(leaves * DIGEST_BYTES)
  for (let i = 0; i < leaves; i++) {
    const leaf = out.subarray(i * job.leafSize, Math.min((i + 1) * job.leafSize, leafBytes))
    digests.set(createHash('sha256').update(leaf).digest(), i * DIGEST_BYTES)
  }
  collectGarbage({ type: 'minor' })
  const plaintextDigest = job.hashPlaintext && job.last ? plaintextHash?.digest() : undefined
  return { seq: job.seq, leafBytes, digests, ...(plaintextDigest !== undefined ? { plaintextDigest } : {}) }
}

// Jobs run one after another (each may wait for its carry), in the order they came.
let queue = Promise.resolve()
parentPort?.on('message', (/** @type {SealJob} */ job) => {
  queue = queue.then(async () => {
    try {
      const result = await seal(job)
      parentPort?.postMessage(result, [result.digests.buffer])
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err))
      parentPort?.postMessage({ seq: job.seq, error: { name: e.name, message: e.message } })
    }
  })
})
