import type { SerializedError } from '../core/index.js'
import type { PublicationStatus } from '../sdk/index.js'

/**
 * One line for where a publication stands: each stage with a mark, the proofs done so far, and
 * what it waits for (a circuit the node is still building).
 */
export function describeStages(status: PublicationStatus): string {
  const mark: Record<string, string> = { completed: '✓', active: '…', failed: '✗', 'waiting-children': '…' }
  const stages = Object.entries(status.stages)
    .map(([stage, state]) => {
      const extra = stage === 'prove' && status.proofs.total > 0 ? ` ${status.proofs.done}/${status.proofs.total}` : ''
      return `${stage}${mark[state] ?? '·'}${extra}`
    })
    .join('  ')
  return status.waiting === undefined ? stages : `${stages}  (${status.waiting})`
}

/** The line a finished publication ends with. */
export function describeResult(result: NonNullable<PublicationStatus['result']>): string {
  return `dataset ${result.datasetId} published: manifest ${result.manifestCid}, quality ${result.quality}, tx ${result.txHash}`
}

/** Why a publication failed, and the retry command when a retry can help. */
export function describeFailure(jobId: string, status: PublicationStatus): string {
  return (
    `publication ${jobId} failed: ${status.failedReason}` +
    (status.retryable === false ? '' : ` (once the cause is fixed: assay retry ${jobId})`)
  )
}

/**
 * The error a failed publication recorded, named with its category and fields, then each cause
 * on a line of its own: `WitnessError [internal] circuitId="sensor-stats-b16-v2"`.
 */
export function describeFailedError(error: SerializedError): string {
  const lines: string[] = []
  for (let e: SerializedError | undefined = error, depth = 0; e !== undefined; e = e.cause, depth++) {
    const fields = Object.entries(e.fields ?? {}).map(([k, v]) => ` ${k}=${JSON.stringify(v)}`)
    lines.push(
      depth === 0
        ? `error: ${e.name} [${e.category}]${fields.join('')}`
        : `  caused by ${e.name} [${e.category}]${fields.join('')}: ${e.message}`,
    )
  }
  return lines.join('\n')
}
