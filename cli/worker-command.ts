import { ConfigError, redactUrl, type AssayConfig } from '../core/index.js'
import { startProveWorker } from '../pipelines/index.js'

/**
 * `assay worker`: batch provers for a node on another machine. Needs the node's Redis
 * (REDIS_URL); the proofs travel back through Redis, so no shared disk is needed. Stops cleanly on
 * SIGINT/SIGTERM, letting running proofs finish (an interrupted one is retried elsewhere).
 */
export function workerCommand(
  config: AssayConfig,
  options: { concurrency: number },
  log: (msg: string) => void = console.log,
): { close(): Promise<void> } {
  if (config.redisUrl === undefined)
    throw new ConfigError('REDIS_URL', "is required: the node's Redis, where publications queue their batch proofs")
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > 64)
    throw new ConfigError('--concurrency', 'must be an integer from 1 to 64')
  const worker = startProveWorker({ connection: { url: config.redisUrl, maxRetriesPerRequest: null }, concurrency: options.concurrency })
  worker.worker.on('completed', (job) => log(`proved ${job.id}`))
  worker.worker.on('failed', (job, err) => log(`failed ${job?.id ?? '?'}: ${err.message}`))
  log(
    `assay worker: ${options.concurrency} prover process(es) on ${config.redisUrl === undefined ? 'no Redis' : redactUrl(config.redisUrl)}`,
  )
  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) process.exit(130)
    stopping = true
    log(`${signal}: finishing running proofs…`)
    worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  return worker
}
