import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
// The circuits' errors (a WitnessError, an ArtifactError) are registered by their folders' index.
import '../../circuits/index.js'
import { AssayError, deserializeError, type SerializedError } from '../../core/index.js'
import type { ProvenBatchFile } from './proven-batch-file.js'

/** A batch proof job: everything a prover on any machine needs. */
export interface ProveBatchJob {
  circuitId: string
  input: Record<string, string | string[]>
  series: number
  index: number
  count: number
}

export interface ProveRequest {
  id: number
  job: ProveBatchJob
}
/** A proof, or the error the child threw (its class, fields and cause are re-created here). */
export type ProveResponse = { id: number; result: ProvenBatchFile } | { id: number; error: SerializedError }

/** A prover child process died or timed out; the proof is retried by the queue. */
export class ProverCrashedError extends AssayError {
  override readonly category = 'unavailable' as const
  constructor(message: string) {
    super(message)
    this.name = 'ProverCrashedError'
  }
}

export interface ProverPool {
  /** Proves in a free child process; rejects when the proof fails or the child dies. */
  prove(job: ProveBatchJob): Promise<ProvenBatchFile>
  /** Kills the children. */
  close(): Promise<void>
}

const ENTRY = fileURLToPath(new URL('./prover-process.mjs', import.meta.url))

interface Slot {
  child?: ChildProcess
  ready?: Promise<void>
  busy: boolean
  inFlight?: { id: number; resolve: (r: ProvenBatchFile) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
}

/**
 * Child processes that prove batches, one proof each at a time, kept alive between proofs (the
 * circuit stays loaded). The exit listener is attached the moment a child is forked, so a child
 * that dies at any point — while starting, or SIGKILLed mid-proof by the OOM killer or an operator
 * — fails its proof at once and the next proof gets a fresh child. (BullMQ's own sandboxed
 * processors hang the job forever when the child dies during its start: bullmq 6.7 drops the
 * close listener on exit.)
 */
export function createProverPool(size: number, options: { timeoutMs?: number } = {}): ProverPool {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000
  const slots: Slot[] = Array.from({ length: size }, () => ({ busy: false }))
  const waiting: Array<(slot: Slot) => void> = []
  let nextId = 1
  let closed = false

  const spawnChild = (slot: Slot): Promise<void> => {
    const child = fork(ENTRY, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] })
    slot.child = child
    let started: () => void = () => undefined
    let failedToStart: (e: Error) => void = () => undefined
    slot.ready = new Promise<void>((resolve, reject) => {
      started = resolve
      failedToStart = reject
    })
    child.on('message', (msg: ProveResponse | { ready: true }) => {
      if ('ready' in msg) return started()
      const flight = slot.inFlight
      if (flight === undefined || flight.id !== msg.id) return
      clearTimeout(flight.timer)
      slot.inFlight = undefined
      if ('result' in msg) flight.resolve(msg.result)
      else flight.reject(deserializeError(msg.error))
    })
    child.on('exit', (code, signal) => {
      if (slot.child === child) slot.child = undefined
      const why = new ProverCrashedError(`prover process ${child.pid} exited (${signal ?? `code ${code}`})`)
      failedToStart(why)
      const flight = slot.inFlight
      if (flight !== undefined) {
        clearTimeout(flight.timer)
        slot.inFlight = undefined
        flight.reject(why)
      }
    })
    return slot.ready
  }

  const acquire = (): Promise<Slot> => {
    const free = slots.find((s) => !s.busy)
    if (free !== undefined) {
      free.busy = true
      return Promise.resolve(free)
    }
    return new Promise((resolve) => waiting.push(resolve))
  }
  const release = (slot: Slot): void => {
    const next = waiting.shift()
    if (next !== undefined) next(slot)
    else slot.busy = false
  }

  return {
    async prove(job) {
      if (closed) throw new ProverCrashedError('the prover pool is closed')
      const slot = await acquire()
      try {
        if (slot.child === undefined) await spawnChild(slot)
        else await slot.ready
        const child = slot.child!
        const id = nextId++
        return await new Promise<ProvenBatchFile>((resolve, reject) => {
          const timer = setTimeout(() => {
            reject(new ProverCrashedError(`proof took longer than ${timeoutMs} ms; prover process killed`))
            slot.inFlight = undefined
            child.kill('SIGKILL')
          }, timeoutMs)
          slot.inFlight = { id, resolve, reject, timer }
          child.send({ id, job } satisfies ProveRequest)
        })
      } finally {
        release(slot)
      }
    },
    async close() {
      closed = true
      await Promise.all(
        slots.map(async (slot) => {
          const child = slot.child
          if (child === undefined || child.exitCode !== null) return
          const exited = new Promise((r) => child.once('exit', r))
          child.kill('SIGTERM')
          await exited
        }),
      )
    },
  }
}
