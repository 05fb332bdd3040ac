import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { BatchInputError, type SensorStatsParams } from '../circuits/index.js'
import { AssayError, type SignedBatch } from '../core/index.js'
import { verifyBatchRecord } from './signed-batch-record.js'

/** Checks signed batches: their commitment, and whether their device signed them (verifyBatchRecord). */
export interface BatchVerifier {
  /**
   * @param options.signal aborting it drops the check if it has not started (its caller no longer needs it)
   * @throws {BatchInputError} when the readings break the circuit's rules
   * @throws {BatchVerifierError} when the check was dropped, or its thread stopped
   */
  verify(
    batch: SignedBatch,
    params: SensorStatsParams,
    options?: { signal?: AbortSignal },
  ): Promise<{ commitment: bigint; signed: boolean }>
  /** Starts the threads now rather than at the first batch (a node with streams to take). */
  prepare?(): void
  close(): Promise<void>
}

/** The verifier's thread died or was closed while checking a batch; nothing of the batch was taken. */
export class BatchVerifierError extends AssayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'BatchVerifierError'
  }
}

export interface VerifyRequest {
  id: number
  batch: SignedBatch
  params: SensorStatsParams
}
export type VerifyResponse =
  { id: number; commitment: string; signed: boolean } | { id: number; error: { name: string; message: string; slot?: number } }

/** Checks batches on the calling thread (tools, tests, and a node without ASSAY_VERIFY_THREADS). */
export const inlineBatchVerifier: BatchVerifier = {
  verify: (batch, params) => verifyBatchRecord(batch, params),
  prepare: () => undefined,
  close: () => Promise.resolve(),
}

const ENTRY = fileURLToPath(new URL('./batch-verifier-worker.mjs', import.meta.url))

interface Task {
  request: VerifyRequest
  resolve: (r: { commitment: bigint; signed: boolean }) => void
  reject: (e: Error) => void
}

interface Slot {
  worker: Worker
  /** Settles once the thread has warmed up (or died): only then is it safe to terminate. */
  ready: Promise<void>
  task?: Task
  timer?: NodeJS.Timeout
  queue: Task[]
  started: number
}

/** A check taking longer than this (milliseconds of work) means a hung thread: it is replaced. */
const TASK_TIMEOUT_MS = 30_000
/** Threads that stop within a second of starting, in a row, before the verifier stops replacing them. */
const MAX_QUICK_DEATHS = 5

/** How much longer than the shortest a device's usual thread's queue may be before it goes elsewhere. */
const AFFINITY_SLACK = 4

/**
 * Batch checks in worker threads, so a flood of batches (each a Poseidon commitment over its
 * readings and an EdDSA verification: a millisecond or two of CPU) never stalls the node's event
 * loop, and honest devices' batches are acknowledged while strangers' are checked. One batch per
 * thread at a time. A device's batches go to the same thread while its queue is not much longer
 * than the others', where its key's tables are already built (see verifyEddsaPoseidon); a new
 * device goes to the least busy thread. A thread that dies, or takes over 30 s on a batch, fails
 * that batch and is replaced; its queue goes to the replacement.
 */
export function createBatchVerifier(options: { threads?: number; taskTimeoutMs?: number } = {}): BatchVerifier {
  const taskTimeoutMs = options.taskTimeoutMs ?? TASK_TIMEOUT_MS
  const size = Math.max(1, options.threads ?? Math.min(4, availableParallelism()))
  const slots: Slot[] = []
  // device key → the thread that checked its last batch; bounded, forgotten wholesale when full.
  const affinity = new Map<string, Slot>()
  let nextId = 1
  let closed = false
  let quickDeaths = 0

  const load = (slot: Slot): number => slot.queue.length + (slot.task !== undefined ? 1 : 0)

  const spawn = (queue: Task[] = []): Slot => {
    // No inherited flags: a parent started with `--import tsx` would register the loader a second
    // time in the thread (the entry registers it itself), which Node 20 does not survive reliably.
    const worker = new Worker(ENTRY, { execArgv: [] })
    let warmed!: () => void
    const ready = new Promise<void>((resolve) => (warmed = resolve))
    const slot: Slot = { worker, ready, queue, started: Date.now() }
    worker.once('exit', () => warmed())
    slot.worker.on('message', (msg: VerifyResponse | { ready: true }) => {
      if ('ready' in msg) return warmed()
      const task = slot.task
      if (task === undefined || task.request.id !== msg.id) return
      slot.task = undefined
      clearTimeout(slot.timer)
      quickDeaths = 0
      if ('error' in msg) {
        const { name, message, slot: reading } = msg.error
        task.reject(
          name === 'BatchInputError'
            ? Object.assign(new BatchInputError(message), { slot: reading })
            : new BatchVerifierError(`${name}: ${message}`),
        )
      } else task.resolve({ commitment: BigInt(msg.commitment), signed: msg.signed })
      next(slot)
    })
    // Not awaited by anyone: a thread that fails (out of memory, a bug) ends with its batch failed;
    // the batches waiting for it go to its replacement.
    const died = (err: unknown): void => {
      const at = slots.indexOf(slot)
      if (at < 0) return
      clearTimeout(slot.timer)
      slot.task?.reject(new BatchVerifierError('the batch verifier thread stopped while checking this batch', { cause: err }))
      slot.task = undefined
      for (const [key, s] of affinity) if (s === slot) affinity.delete(key)
      quickDeaths = Date.now() - slot.started < 1000 ? quickDeaths + 1 : 0
      // A thread that cannot even start (a broken install) is not started again and again forever.
      if (closed || quickDeaths >= MAX_QUICK_DEATHS) {
        slots.splice(at, 1)
        for (const task of slot.queue.splice(0))
          task.reject(new BatchVerifierError('the batch verifier threads keep stopping as they start', { cause: err }))
        return
      }
      const replacement = spawn(slot.queue)
      slots[at] = replacement
      next(replacement)
    }
    // A message that cannot be read back is a thread in a bad state: replace it.
    slot.worker.on('messageerror', (err) => void slot.ready.then(() => slot.worker.terminate()).then(() => died(err)))
    slot.worker.on('error', died)
    slot.worker.on('exit', (code) => died(new Error(`exit code ${code}`)))
    // Idle threads must not keep the process alive; a thread checking a batch must.
    slot.worker.unref()
    return slot
  }

  function next(slot: Slot): void {
    if (slot.task !== undefined) return
    const task = slot.queue.shift()
    if (task === undefined) return void slot.worker.unref()
    slot.task = task
    slot.worker.ref()
    slot.worker.postMessage(task.request)
    slot.timer = setTimeout(() => {
      if (slot.task !== task) return
      slot.task = undefined
      task.reject(new BatchVerifierError(`checking the batch took over ${taskTimeoutMs} ms; its thread is replaced`))
      void slot.ready.then(() => slot.worker.terminate())
    }, taskTimeoutMs)
    slot.timer.unref()
  }

  // Threads start with the first batch (or prepare()): a node without streams never holds them.
  let started = false
  const start = (): void => {
    if (started || closed) return
    started = true
    for (let i = 0; i < size; i++) slots.push(spawn())
  }

  return {
    verify(batch, params, options = {}) {
      if (closed) return Promise.reject(new BatchVerifierError('the batch verifier is closed'))
      if (options.signal?.aborted === true) return Promise.reject(new BatchVerifierError('the check was dropped before it started'))
      start()
      if (slots.length === 0)
        return Promise.reject(new BatchVerifierError('no batch verifier thread runs (they kept stopping as they started)'))
      const key = `${batch.device.x},${batch.device.y}`
      const least = slots.reduce((a, b) => (load(b) < load(a) ? b : a))
      const usual = affinity.get(key)
      const slot = usual !== undefined && slots.includes(usual) && load(usual) <= load(least) + AFFINITY_SLACK ? usual : least
      if (affinity.size >= 4096) affinity.clear()
      affinity.set(key, slot)
      return new Promise((resolve, reject) => {
        const task: Task = { request: { id: nextId++, batch, params }, resolve, reject }
        slot.queue.push(task)
        // A check nobody waits for any more leaves the queue (it may have moved to a replacement thread).
        options.signal?.addEventListener(
          'abort',
          () => {
            for (const s of slots) {
              const at = s.queue.indexOf(task)
              if (at >= 0) {
                s.queue.splice(at, 1)
                reject(new BatchVerifierError('the check was dropped before it started'))
              }
            }
          },
          { once: true },
        )
        next(slot)
      })
    },
    prepare: start,
    async close() {
      closed = true
      const error = new BatchVerifierError('the batch verifier is closed')
      await Promise.all(
        slots.map(async (slot) => {
          for (const task of slot.queue.splice(0)) task.reject(error)
          clearTimeout(slot.timer)
          slot.task?.reject(error)
          slot.task = undefined
          // Not while it warms up (see the thread); a thread stuck there is terminated after a while.
          await Promise.race([slot.ready, new Promise((r) => setTimeout(r, 20_000).unref())])
          await slot.worker.terminate()
        }),
      )
      slots.length = 0
    },
  }
}
