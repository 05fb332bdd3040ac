import { fork, type ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
// Loads (and so registers) the circuits' errors, which the processes send back as they are.
import '../../circuits/index.js'
import type { SensorStatsParams } from '../../circuits/index.js'
import { AssayError, deserializeError, RemoteError, type SerializedError, type SignedBatch } from '../../core/index.js'
import { verifyBatchRecord, warmBatchChecks } from '../signed-batches/index.js'

/** Checks signed batches: their commitment, and whether their device signed them (verifyBatchRecord). */
export interface BatchVerifier {
  /**
   * @param options.signal aborting it drops the check if it has not started (its caller no longer needs it)
   * @throws {BatchInputError} when the readings break the circuit's rules
   * @throws {BatchVerifierError} when the check was dropped, or its process stopped
   */
  verify(
    batch: SignedBatch,
    params: SensorStatsParams,
    options?: { signal?: AbortSignal },
  ): Promise<{ commitment: bigint; signed: boolean }>
  /** Gets ready now rather than at the first batch (a node with streams to take): starts and warms up. */
  prepare?(): void
  close(): Promise<void>
}

/** The verifier's process died or was closed while checking a batch; nothing of the batch was taken. */
export class BatchVerifierError extends AssayError {
  override readonly category = 'unavailable' as const
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
export type VerifyResponse = { id: number; commitment: string; signed: boolean } | { id: number; error: SerializedError }

/** Checks batches on the calling thread (tools, tests, and a node with ASSAY_VERIFY_PROCESSES=0). */
export const inlineBatchVerifier: BatchVerifier = {
  verify: (batch, params) => verifyBatchRecord(batch, params),
  prepare: () => void warmBatchChecks(),
  close: () => Promise.resolve(),
}

const ENTRY = fileURLToPath(new URL('./batch-verifier-process.mjs', import.meta.url))

interface Task {
  request: VerifyRequest
  resolve: (r: { commitment: bigint; signed: boolean }) => void
  reject: (e: Error) => void
}

interface Slot {
  child: ChildProcess
  /** Fails its batch and puts a replacement in its place (once; the process is dead or being killed). */
  retire: (err: Error) => void
  /** It has warmed up and said so: a death before that is a failed start. */
  ready: boolean
  task?: Task
  timer?: NodeJS.Timeout
  queue: Task[]
}

/** A check taking longer than this (milliseconds of work) means a hung process: it is killed and replaced. */
const TASK_TIMEOUT_MS = 30_000
/** Processes that stop before they are ready, in a row, before the verifier stops replacing them. */
const MAX_QUICK_DEATHS = 5

/** How much longer than the shortest a device's usual process's queue may be before it goes elsewhere. */
const AFFINITY_SLACK = 4

/**
 * Batch checks in child processes, so a flood of batches (each a Poseidon commitment over its
 * readings and an EdDSA verification: about a millisecond of CPU) never stalls the node's event
 * loop, and they run on other cores while the event loop parses and stores. One batch per process
 * at a time. A device's batches go to the same process while its queue is not much longer than
 * the others', where its key's tables are already built (see verifyEddsaPoseidon); a new device
 * goes to the least busy process. A process that dies, or takes over 30 s on a batch, fails that
 * batch and is replaced (killed, if it hangs); its queue goes to the replacement. Processes start
 * with the first batch (or prepare()); idle ones do not keep the node alive, and each exits when
 * the node does, however it ends.
 */
export function createBatchVerifier(
  /** processes: how many (default: 2, or 1 on a single core); taskTimeoutMs: see TASK_TIMEOUT_MS. */
  options: { processes?: number; taskTimeoutMs?: number } = {},
): BatchVerifier {
  const taskTimeoutMs = options.taskTimeoutMs ?? TASK_TIMEOUT_MS
  const size = Math.max(1, options.processes ?? Math.min(2, availableParallelism()))
  const slots: Slot[] = []
  // device key → the process that checked its last batch; bounded, forgotten wholesale when full.
  const affinity = new Map<string, Slot>()
  let nextId = 1
  let closed = false
  let quickDeaths = 0

  const load = (slot: Slot): number => slot.queue.length + (slot.task !== undefined ? 1 : 0)

  // An idle process holds neither the event loop nor the node's exit; one checking a batch holds both.
  const hold = (child: ChildProcess, busy: boolean): void => {
    if (busy) {
      child.ref()
      child.channel?.ref()
    } else {
      child.unref()
      child.channel?.unref()
    }
  }

  const spawn = (queue: Task[] = []): Slot => {
    // No inherited flags: the entry registers tsx itself (a parent started with `--import tsx`
    // would have the child register it twice).
    const child = fork(ENTRY, [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    const slot: Slot = { child, ready: false, queue, retire: () => undefined }
    child.on('message', (msg: VerifyResponse | { ready: true }) => {
      if ('ready' in msg) {
        slot.ready = true
        quickDeaths = 0
        return
      }
      const task = slot.task
      if (task === undefined || task.request.id !== msg.id) return
      slot.task = undefined
      clearTimeout(slot.timer)
      if ('error' in msg) {
        // What the inline verifier would throw (a BatchInputError with its slot …); an error of a
        // class unknown here, or no Assay error at all, is the process's failure, as before.
        const error = deserializeError(msg.error)
        task.reject(
          error instanceof AssayError && !(error instanceof RemoteError)
            ? error
            : new BatchVerifierError(`${error.name}: ${error.message}`, { cause: error }),
        )
      } else task.resolve({ commitment: BigInt(msg.commitment), signed: msg.signed })
      next(slot)
    })
    // Not awaited by anyone: a process that ends (out of memory, killed, a bug) fails the batch it
    // was checking; the batches waiting for it go to its replacement.
    let gone = false
    const died = (slot.retire = (err: Error): void => {
      if (gone) return
      gone = true
      const at = slots.indexOf(slot)
      if (at < 0) return
      clearTimeout(slot.timer)
      slot.task?.reject(new BatchVerifierError('the batch verifier process stopped while checking this batch', { cause: err }))
      slot.task = undefined
      for (const [key, s] of affinity) if (s === slot) affinity.delete(key)
      if (!slot.ready) quickDeaths++
      // A process that cannot even start (a broken install) is not started again and again forever.
      if (closed || quickDeaths >= MAX_QUICK_DEATHS) {
        slots.splice(at, 1)
        for (const task of slot.queue.splice(0))
          task.reject(new BatchVerifierError('the batch verifier processes keep stopping as they start', { cause: err }))
        return
      }
      const replacement = spawn(slot.queue)
      slots[at] = replacement
      next(replacement)
    })
    child.on('error', died) // it could not be started, or a message could not be sent to it
    child.on('exit', (code, signal) => died(new Error(`batch verifier process ${child.pid} exited (${signal ?? `code ${code}`})`)))
    hold(child, false)
    return slot
  }

  function next(slot: Slot): void {
    if (slot.task !== undefined) return
    const task = slot.queue.shift()
    if (task === undefined) return hold(slot.child, false)
    slot.task = task
    hold(slot.child, true)
    // A send that fails means a dead process: its exit fails the task and moves the queue on.
    slot.child.send(task.request, (err) => {
      if (err !== null) slot.child.kill('SIGKILL')
    })
    slot.timer = setTimeout(() => {
      if (slot.task !== task) return
      slot.task = undefined
      task.reject(new BatchVerifierError(`checking the batch took over ${taskTimeoutMs} ms; its process is replaced`))
      slot.child.kill('SIGKILL')
      // Replaced now, not at its exit: the next batch must not be sent to the dying process.
      slot.retire(new Error(`batch verifier process ${slot.child.pid} killed: a check took over ${taskTimeoutMs} ms`))
    }, taskTimeoutMs)
    slot.timer.unref()
  }

  // Processes start with the first batch (or prepare()): a node without streams never holds them.
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
        return Promise.reject(new BatchVerifierError('no batch verifier process runs (they kept stopping as they started)'))
      const key = `${batch.device.x},${batch.device.y}`
      const least = slots.reduce((a, b) => (load(b) < load(a) ? b : a))
      const usual = affinity.get(key)
      const slot = usual !== undefined && slots.includes(usual) && load(usual) <= load(least) + AFFINITY_SLACK ? usual : least
      if (affinity.size >= 4096) affinity.clear()
      affinity.set(key, slot)
      return new Promise((resolve, reject) => {
        const task: Task = { request: { id: nextId++, batch, params }, resolve, reject }
        slot.queue.push(task)
        // A check nobody waits for any more leaves the queue (it may have moved to a replacement process).
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
        slots.map(async ({ child, queue, task, timer }) => {
          for (const t of queue.splice(0)) t.reject(error)
          clearTimeout(timer)
          task?.reject(error)
          if (child.exitCode !== null || child.signalCode !== null) return
          const exited = new Promise((resolve) => child.once('exit', resolve))
          child.kill('SIGKILL') // nothing in it is worth keeping: a batch is taken only once the node stored it
          await exited
        }),
      )
      slots.length = 0
    },
  }
}
