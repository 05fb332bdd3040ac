import { AssayError, deserializeError, isErrorCategory, type ErrorCategory } from '../../core/index.js'
import type { VerifierMessage, VerifierTask } from './verifier-protocol.js'

/**
 * The verifier worker failed outside its task (it could not start): 'internal'. The name and
 * category can be another's, for an error reported without its class.
 */
export class VerifierTaskError extends AssayError {
  override readonly category: ErrorCategory
  constructor(name: string, message: string, category?: unknown) {
    super(message)
    this.name = name
    this.category = isErrorCategory(category) ? category : 'internal'
  }
}

/**
 * Runs a task in a fresh verifier worker, passing every progress message to `onMessage`; resolves
 * with the final message. Aborting terminates the worker.
 */
export function runVerifier<T extends VerifierTask['type']>(
  task: VerifierTask & { type: T },
  onMessage: (message: VerifierMessage) => void,
  signal?: AbortSignal,
): Promise<Extract<VerifierMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./verifier-worker.ts', import.meta.url), { type: 'module', name: `assay-${task.type}` })
    const stop = (): void => worker.terminate()
    signal?.addEventListener('abort', stop, { once: true })
    worker.addEventListener('message', (event: MessageEvent<VerifierMessage>) => {
      const m = event.data
      if (m.type === 'error') {
        stop()
        // The task's own error, its class again when registered here, else a RemoteError of its name and category.
        reject(deserializeError(m.error))
      } else if (m.type === task.type) {
        stop()
        resolve(m as Extract<VerifierMessage, { type: T }>)
      } else onMessage(m)
    })
    worker.addEventListener('error', (event) => {
      stop()
      reject(new VerifierTaskError('WorkerError', event.message || 'the verifier worker failed to start'))
    })
    worker.postMessage(task)
  })
}
