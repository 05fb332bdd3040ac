import { MessageChannel, Worker } from 'node:worker_threads'
import { ServiceError } from '../core/index.js'

/** A job for a seal worker: see seal-worker.mjs for the fields. */
export interface SealJob {
  seq: number
  key: Uint8Array
  /** Shared with the worker, not transferred or copied. */
  plaintext: SharedArrayBuffer
  plaintextBytes: number
  /** Where the worker writes `carry ∥ sealed chunks`: at least carryBytes + plaintextBytes + 16 · chunks bytes. */
  sealed: SharedArrayBuffer
  chunkSize: number
  chunks: number
  nonces: Uint8Array
  aads: Uint8Array
  carryBytes: number
  carry?: Uint8Array
  leafSize: number
  last: boolean
  /** The worker also hashes the plaintext: only when it runs every job of the envelope (a ring of one). */
  hashPlaintext: boolean
}

/** A sealed job: the first `leafBytes` of the job's `sealed` buffer form leaves (digests in order). */
export interface SealResult {
  seq: number
  leafBytes: number
  digests: Uint8Array
  /** SHA-256 of the whole plaintext, on the last job's result when the worker hashed it. */
  plaintextDigest?: Uint8Array
}

export interface SealWorkerRing {
  /** Workers in the ring. */
  readonly size: number
  /** Sends a job to worker `seq mod size`; its buffers are the caller's again once this settles. */
  seal(job: SealJob): Promise<SealResult>
  /** Terminates the workers; jobs still pending reject. */
  close(): Promise<void>
}

export interface SealWorkerRingOptions {
  /** Workers; at least 1. */
  size: number
  /** The worker's entry (tests inject failing ones). Default: seal-worker.mjs. */
  entry?: URL
}

/** Plain JavaScript, so it needs no loader (tsx) in the worker: see its header. */
const DEFAULT_ENTRY = new URL('./seal-worker.mjs', import.meta.url)

/**
 * Starts `size` seal workers wired in a ring: worker k passes its job's carry (the envelope bytes
 * after its last full leaf) straight to worker k+1, which runs job k+1, so jobs must be numbered
 * 0, 1, 2, … in the order they are sent. A worker that reports an error, throws or exits fails
 * every pending job with a ServiceError ('seal-worker'); the ring is then unusable.
 */
export function startSealWorkerRing(options: SealWorkerRingOptions): SealWorkerRing {
  const size = Math.max(1, Math.floor(options.size))
  const entry = options.entry ?? DEFAULT_ENTRY
  const channels = Array.from({ length: size }, () => new MessageChannel())
  const pending = new Map<number, { resolve: (r: SealResult) => void; reject: (e: Error) => void }>()
  let failure: Error | undefined
  let closed = false

  const fail = (err: Error): void => {
    failure ??= err
    for (const p of pending.values()) p.reject(failure)
    pending.clear()
  }

  const workers = channels.map((toNext, k) => {
    const fromPrevious = channels[(k + size - 1) % size]!.port2
    // execArgv [] : the worker needs no loader, and must not inherit a parent's `--import tsx`.
    const worker = new Worker(entry, {
      workerData: { fromPrevious, toNext: toNext.port1 },
      transferList: [fromPrevious, toNext.port1],
      execArgv: [],
      name: `assay-seal-${k}`,
    })
    worker.on('message', (msg: SealResult | { seq: number; error: { name: string; message: string } }) => {
      if ('error' in msg) return fail(new ServiceError('seal-worker', `job ${msg.seq}: ${msg.error.name}: ${msg.error.message}`))
      const p = pending.get(msg.seq)
      pending.delete(msg.seq)
      p?.resolve(msg)
    })
    worker.on('error', (err) => fail(new ServiceError('seal-worker', `worker ${k} failed: ${err.message}`, { cause: err })))
    worker.on('exit', (code) => {
      if (!closed) fail(new ServiceError('seal-worker', `worker ${k} exited with code ${code}`))
    })
    return worker
  })

  return {
    size,
    seal(job) {
      if (failure !== undefined) return Promise.reject(failure)
      if (closed) return Promise.reject(new ServiceError('seal-worker', 'the ring is closed'))
      return new Promise<SealResult>((resolve, reject) => {
        pending.set(job.seq, { resolve, reject })
        workers[job.seq % size]!.postMessage(job)
      })
    },
    async close() {
      if (closed) return
      closed = true
      fail(new ServiceError('seal-worker', 'the ring was closed'))
      // The ports went to the workers and end with them.
      await Promise.all(workers.map((w) => w.terminate()))
    },
  }
}
