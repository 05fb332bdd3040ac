import type { ProvenBatchFile } from './proven-batch-file.js'
import { PublicationBusyError } from './publication-busy-error.js'
import { PublicationNotFailedError } from './publication-not-failed-error.js'
import { publicationStatus } from './publication-status.js'
import { publicationId, stageJobId, type PublishQueues } from './publish-queues.js'
import { FINAL_PUBLISH_STAGE } from './publish-stages.js'
import type { Publication } from './publication.js'
import { submitPublication } from './submit-publication.js'

/**
 * Submits a failed publication again. Its workspace keeps what earlier attempts finished (plan,
 * proofs, stored content, the anchor transaction), so the new flow only does what is left and
 * never anchors twice. Batch proofs that completed inside the failed flow are kept in the
 * workspace first; then the failed flow's jobs are removed, so the same job ids serve again.
 * @throws {PublicationNotFailedError} unless the publication failed
 * @throws {PublicationBusyError} while one of its jobs still runs
 */
export async function retryPublication(queues: PublishQueues, publication: Publication): Promise<string> {
  const pubId = publicationId(publication)
  const status = await publicationStatus(queues, pubId)
  if (status.failedReason === undefined) {
    const unknown = Object.values(status.stages).every((s) => s === 'unknown')
    throw new PublicationNotFailedError(pubId, unknown ? 'unknown' : status.result !== undefined ? 'completed' : 'running')
  }
  // BullMQ's own lock check on removal follows only pending children, and a failure moves the
  // failed branch out of them: a batch still being proven below it would be removed mid-proof.
  const proveId = stageJobId(pubId, 'prove')
  if ((await queues.proofs.getActive()).some((job) => job.parent?.id === proveId)) throw new PublicationBusyError(pubId)
  const prove = await queues.stages.getJob(stageJobId(pubId, 'prove'))
  if (prove !== undefined)
    for (const value of Object.values(await prove.getChildrenValues<ProvenBatchFile | object>()))
      if ('proof' in value) await publication.recordProof(value)
  // The root of the flow is the final stage (list); removing it removes every stage and batch job below.
  if ((await queues.stages.remove(stageJobId(pubId, FINAL_PUBLISH_STAGE), { removeChildren: true })) !== 1)
    throw new PublicationBusyError(pubId)
  return submitPublication(queues, publication)
}
