import type { PublicationStatus } from '../pipelines/index.js'

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
