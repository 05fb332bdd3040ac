import type { PublicationStatus } from '../pipelines/index.js'
import type { AssayClient } from './assay-client.js'
import { NodeUnreachableError } from './node-unreachable-error.js'
import { waitForNode, type WaitForNodeOptions } from './wait-for-node.js'

export interface FollowPublicationOptions extends WaitForNodeOptions {
  /** Every status the node sends: one per change, then the final one. */
  onEvent?: (status: PublicationStatus) => void
  /** The node went away while being followed (once per outage); the follower now waits for it. */
  onLost?: (err: NodeUnreachableError) => void
  /** The node answers again; following goes on. */
  onBack?: () => void
  /** Stops following (an AbortError); the publication goes on in the node. */
  signal?: AbortSignal
}

/**
 * Follows a publication until it is listed or fails, through the node's restarts: when the
 * connection breaks, waits for the node with a bounded backoff (see `waitForNode`) and follows the
 * same publication again. The flow itself runs in the node, which resumes it after a restart; only
 * the view of it is lost. A node that does not answer the first time is an error at once.
 *
 * @returns the final status: `result` once listed, `failedReason` once failed
 * @throws {NodeUnreachableError} when the node is not running, or stays away past `giveUpAfterMs`
 * @throws {AssayApiError} when the node does not know the publication (404)
 * @example
 * const status = await followPublication(client, jobId, { onEvent: (s) => render(s), onLost: (e) => warn(e.reason) })
 */
export async function followPublication(
  client: Pick<AssayClient, 'node' | 'publication' | 'publicationEvents'>,
  jobId: string,
  options: FollowPublicationOptions = {},
): Promise<PublicationStatus> {
  let followed = false
  for (;;) {
    let lost: NodeUnreachableError
    try {
      for await (const { event, status } of client.publicationEvents(jobId, { signal: options.signal })) {
        followed = true
        options.onEvent?.(status)
        if (event === 'done' || event === 'failed') return status
      }
      // The node ends the stream only after a verdict: an end without one means it is stopping.
      lost = new NodeUnreachableError(client.node, 'the progress stream ended')
    } catch (err) {
      if (!NodeUnreachableError.is(err) || !followed) throw err
      lost = err
    }
    options.onLost?.(lost)
    await waitForNode(() => client.publication(jobId, { signal: options.signal }), options)
    options.onBack?.()
  }
}
