import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { BatchInputError, type SensorStatsParams } from '../circuits/index.js'
import { AssayError, type SignedBatch } from '../core/index.js'
import { verifyBatchRecord } from './signed-batch-record.js'

/** Checks signed batches: their commitment, and whether their device signed them (verifyBatchRecord). */
export interface BatchVerifier {
  /** @throws {BatchInputError} when the readings break the circuit's rules */
  verify(batch: SignedBatch, params: SensorStatsParams): Promise<{ commitment: bigint; signed: boolean }>
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

/** Checks batches on the calling thread (tools, tests; the node uses the threaded one). */
export const inlineBatchVerifier: BatchVerifier = {
  verify: verifyBatchRecord,
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
  task?: Task
  queue: Task[]
}

/** How much longer than the shortest a device's usual thread's queue may be before it goes elsewhere. */
const AFFINITY_SLACK = 4

/**
 * Batch checks in worker threads, so a flood of batches (each a Poseidon commitment over its
 * readings and an EdDSA verification: a millisecond or two of CPU) never stalls the node's event
 * loop, and honest devices' batches are acknowledged while strangers' are checked. One batch per
 * thread at a time. A device's batches go to the same thread while its queue is not much longer
 * than the others', where its key's tables are already built (see verifyEddsaPoseidon); a new
 * device goes to the least busy thread. A thread that dies fails its batch and is replaced.
 */
export function createBatchVerifier(options: { threads?: number } = {}): BatchVerifier {
  const size = Math.max(1, options.threads ?? Math.min(4, availableParallelism()))
  const slots: Slot[] = []
  // device key → the thread that checked its last batch; bounded, forgotten wholesale when full.
  const affinity = new Map<string, Slot>()
  let nextId = 1
  let closed = false

  const load = (slot: Slot): number => slot.queue.length + (slot.task !== undefined ? 1 : 0)

  const spawn = (queue: Task[] = []): Slot => {
    const slot: Slot = { worker: new Worker(ENTRY), queue }
    slot.worker.on('message', (msg: VerifyResponse) => {
      const task = slot.task
      if (task === undefined || task.request.id !== msg.id) return
      slot.task = undefined
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
      slot.task?.reject(new BatchVerifierError('the batch verifier thread stopped while checking this batch', { cause: err }))
      slot.task = undefined
      for (const [key, s] of affinity) if (s === slot) affinity.delete(key)
      if (closed) return void slots.splice(at, 1)
      const replacement = spawn(slot.queue)
      slots[at] = replacement
      next(replacement)
    }
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
  }

  for (let i = 0; i < size; i++) slots.push(spawn())

  return {
    verify(batch, params) {
      if (closed) return Promise.reject(new BatchVerifierError('the batch verifier is closed'))
      const key = `${batch.device.x},${batch.device.y}`
      const least = slots.reduce((a, b) => (load(b) < load(a) ? b : a))
      const usual = affinity.get(key)
      const slot = usual !== undefined && slots.includes(usual) && load(usual) <= load(least) + AFFINITY_SLACK ? usual : least
      if (affinity.size >= 4096) affinity.clear()
      affinity.set(key, slot)
      return new Promise((resolve, reject) => {
        slot.queue.push({ request: { id: nextId++, batch, params }, resolve, reject })
        next(slot)
      })
    },
    async close() {
      closed = true
      const error = new BatchVerifierError('the batch verifier is closed')
      await Promise.all(
        slots.map(async (slot) => {
          for (const task of slot.queue.splice(0)) task.reject(error)
          slot.task?.reject(error)
          slot.task = undefined
          await slot.worker.terminate()
        }),
      )
      slots.length = 0
    },
  }
}
